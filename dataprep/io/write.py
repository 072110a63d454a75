"""Output writing: S3-ready JSONL, and publishing a complete set of files into OUT as one atomic swap.

Bedrock reads UTF-8 JSON Lines; the bytes are fixed here once (no BOM, `\n` endings, compact separators,
the renderer's key order) so two builds with the same inputs are byte-identical.

Publishing. A reader of OUT (`dataprep job`, `validate OUT`, a person) must see the previous complete set or
the new complete set, never a mix, even if the build is SIGKILLed at any instant. Renaming files one by one
cannot give that, so the whole new generation is built in a staging folder beside OUT (same parent, hence
same file system: `.OUT.dataprep-new-XXXXXXXX`) and the two folders are swapped with one
`renameat2(RENAME_EXCHANGE)` (Linux, via ctypes). The files in OUT that no manifest lists (a user's notes,
folders) are hard-linked into the staging folder before the swap (copied where a hard link is refused), so
they are the same files afterwards and are never moved; the retired generation is then removed file by file
(`retire`), and anything in it that OUT does not hold (a file the user wrote into OUT during the build) is
moved back into OUT rather than deleted.

Where RENAME_EXCHANGE is unavailable (another OS, or a file system that refuses it) the fallback is two
renames: OUT to `.OUT.dataprep-old-XXXXXXXX`, then the staging folder to OUT. Between them OUT does not
exist, so a reader sees the old set, no folder, or the new set — still never a mix — and a build killed
there is undone by the next build, which renames the old generation back before anything else.

A staging folder carries a marker file until it is complete; the next build on OUT (`clean_leftovers`,
under the lock) deletes a marked folder outright (OUT was never swapped, so nothing in it is the only copy
of anything) and retires an unmarked one. `lock` serialises builds on one OUT with a `flock` on
`.OUT.dataprep.lock` beside it: a second build exits at once instead of waiting.

`_reached(point)` marks each step of the publish; it does nothing. The kill tests (tests/test_publish.py)
replace it, in a child interpreter only, with a SIGKILL at one point; no environment variable or flag can
make a normal run stop there.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import filecmp
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError

MARKER = ".dataprep-staging"  # present in a staging folder until it is complete and about to be swapped in
# The file names a folder's manifest lists as the build's own, the manifest itself last (it goes last).
Owned = Callable[[Path], tuple[str, ...]]


def dumps(obj: Any) -> str:
    """One compact JSON line: non-ASCII kept as UTF-8, keys in the order the record was built."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def dumps_pretty(obj: Any) -> str:
    """Indented JSON for files people read (manifest, reports), with a final newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_jsonl(path: Path, records: Iterable[Any]) -> int:
    """Write one compact object per line; returns the number of lines."""
    return write_lines(path, map(dumps, records))


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write each line (JSON already encoded by `dumps`) and a newline; returns the number of lines.

    A write error names the file (a failed `write()` alone does not say which file it was writing).
    """
    count = 0
    try:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
                count += 1
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    return count


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file with `\n` endings; an error names the file."""
    try:
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _reached(point: str) -> None:
    """A named step of the publish (`staged`, `swapped`, `retiring`, `moved-aside`); deliberately a no-op.

    Only the kill tests replace it, in a child interpreter, to SIGKILL the build at that instant.
    """


# --------------------------------------------------------------------------------------------------------
# Folders beside OUT


def _sibling(out: Path, kind: str) -> re.Pattern[str]:
    """The names of OUT's staging (`new`) or retired (`old`) folders: `.OUT.dataprep-KIND-XXXXXXXX`."""
    return re.compile(rf"\.{re.escape(out.name)}\.dataprep-{kind}-[a-z0-9_]{{8}}")


def is_staging_name(name: str) -> bool:
    """Whether a path component is a staging or retired folder of some OUT (a build never reads those)."""
    return re.fullmatch(r"\..+\.dataprep-(new|old)-[a-z0-9_]{8}", name) is not None


@contextmanager
def lock(out: Path) -> Iterator[Path]:
    """Hold `.OUT.dataprep.lock` beside OUT for the whole build; UsageError (exit 2) when another build has it.

    `flock` is released by the kernel when a process dies, so a killed build never leaves a stale lock. The
    file is removed on the way out; a build that opened it just before checks that it locked the file still
    at that path, and retries otherwise.
    """
    path = out.parent / f".{out.name}.dataprep.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise UsageError(f"another dataprep build (process {holder}) is writing {out}: it holds the lock "
                             f"{path}; wait for it to finish, or build into another OUT") from None
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield path
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


@contextmanager
def staging(out: Path, owned_of: Owned) -> Iterator[Path]:
    """A marked staging folder beside OUT, with OUT's permissions; discarded on the way out unless published."""
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.dataprep-new-", dir=out.parent))
    try:
        (stage / MARKER).touch()
        os.chmod(stage, stat.S_IMODE(out.stat().st_mode) if out.is_dir() else 0o777 & ~umask())
        yield stage
    finally:
        if os.path.lexists(stage):  # not published (or its retired half kept): best effort, the next build retries
            with suppress(OSError):
                discard(stage, out, owned_of)


def umask() -> int:
    """The process umask (read by setting it, the only way POSIX offers)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------------------------------------
# The swap


def publish(stage: Path, out: Path, owned: tuple[str, ...], owned_of: Owned) -> list[Path]:
    """Make the complete `stage` folder OUT in one step; returns folders kept because they hold a user's file.

    `owned` are OUT's files that its manifest lists: the old generation, not carried over. Everything else in
    OUT is hard-linked (or copied) into `stage` first. Raises OSError only before OUT changed.
    """
    if out.is_dir():
        _carry(out, stage, skip=owned)
    (stage / MARKER).unlink()
    _reached("staged")
    if not out.exists():
        _move(stage, out)
        return []
    if exchange(stage, out):
        _reached("swapped")
        return _quietly_retire(stage, out, owned_of)
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.dataprep-old-", dir=out.parent))
    os.rename(out, retired)  # an empty directory is replaced
    _reached("moved-aside")
    try:
        os.rename(stage, out)
    except OSError:
        os.rename(retired, out)
        raise
    return _quietly_retire(retired, out, owned_of)


try:  # the C library of this process; glibc 2.28+ has renameat2, other systems take the fallback
    _renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
except (OSError, TypeError):  # no C library loadable by name (Windows)
    _renameat2 = None
if _renameat2 is not None:
    _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    _renameat2.restype = ctypes.c_int
_AT_FDCWD, _RENAME_NOREPLACE, _RENAME_EXCHANGE = -100, 1, 2
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def _rename2(src: Path, dst: Path, flags: int) -> bool:
    """`renameat2(src, dst, flags)`; False when this libc, kernel or file system does not offer it."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(src), None, str(dst))


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (RENAME_EXCHANGE); False when unavailable, so the caller falls back."""
    return _rename2(a, b, _RENAME_EXCHANGE)


def _move(src: Path, dst: Path) -> None:
    """Rename without replacing what is at `dst` (RENAME_NOREPLACE where offered)."""
    if not _rename2(src, dst, _RENAME_NOREPLACE):
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
        os.rename(src, dst)


def _carry(src: Path, dst: Path, skip: tuple[str, ...] = (), under: str = "") -> None:
    """Put every entry of `src` not in `skip` (nor already in `dst`) into `dst`: folders re-made, files linked.

    `skip` names are relative to the top folder (`media/<sha256>.png` is a file of the old generation too);
    a folder left empty once they are skipped is not re-made.
    """
    for entry in os.scandir(src):
        target, name = dst / entry.name, under + entry.name
        if (name in skip and entry.is_file(follow_symlinks=False)) or os.path.lexists(target):
            continue
        if entry.is_dir(follow_symlinks=False):
            target.mkdir()
            shutil.copystat(entry.path, target, follow_symlinks=False)
            _carry(Path(entry.path), target, skip, name + "/")
            if under == "" and any(s.startswith(name + "/") for s in skip):
                _rmdir_if_empty(target)
            continue
        try:
            os.link(entry.path, target, follow_symlinks=False)
        except OSError:  # no hard links here (file system, fs.protected_hardlinks): copy instead
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), target)
            else:
                shutil.copy2(entry.path, target)


# --------------------------------------------------------------------------------------------------------
# Removing a generation


def retire(folder: Path, out: Path, owned: tuple[str, ...]) -> bool:
    """Remove a generation taken out of OUT (or a complete staging folder that was never swapped in).

    Deleted: the files its manifest lists (`owned`, the manifest last, so a kill half-way leaves a folder
    the next build can still read), and entries OUT holds too (the same hard-linked file, or equal bytes).
    Anything else is a user's and is moved into OUT, or kept where OUT has another file of that name.
    Returns whether the folder is gone.
    """
    for name in owned[:-1]:
        _unlink_file(folder / name)
        _reached("retiring")
    for name in {n.rsplit("/", 1)[0] for n in owned if "/" in n}:  # media/, emptied of the build's objects
        _rmdir_if_empty(folder / name)
    if out.is_dir():
        _merge(folder, out, skip=frozenset(owned[-1:]))
    for name in owned[-1:]:
        _unlink_file(folder / name)
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def _merge(src: Path, dst: Path, skip: frozenset[str] = frozenset()) -> None:
    """Drop each entry of `src` that `dst` holds too; move the others into `dst` when the name is free."""
    for entry in os.scandir(src):
        if entry.name in skip:
            continue
        there = dst / entry.name
        if entry.is_dir(follow_symlinks=False) and there.is_dir() and not there.is_symlink():
            _merge(Path(entry.path), there)
            _rmdir_if_empty(Path(entry.path))
        elif _same(Path(entry.path), there):
            os.unlink(entry.path)
        elif not os.path.lexists(there):
            _move(Path(entry.path), there)


def _same(a: Path, b: Path) -> bool:
    """Whether `b` makes `a` redundant: the same inode, equal bytes, or a symlink to the same place."""
    try:
        sa, sb = os.lstat(a), os.lstat(b)
    except FileNotFoundError:
        return False
    if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
        return True
    if stat.S_ISLNK(sa.st_mode) and stat.S_ISLNK(sb.st_mode):
        return os.readlink(a) == os.readlink(b)
    return stat.S_ISREG(sa.st_mode) and stat.S_ISREG(sb.st_mode) and sa.st_size == sb.st_size \
        and filecmp.cmp(a, b, shallow=False)


def _unlink_file(path: Path) -> None:
    """Delete `path` if it is a regular file (a build writes no folder or link, so it owns none)."""
    if path.is_file() and not path.is_symlink():
        path.unlink()


def _rmdir_if_empty(folder: Path) -> None:
    with suppress(OSError):
        folder.rmdir()


def _quietly_retire(folder: Path, out: Path, owned_of: Owned) -> list[Path]:
    """Retire after the swap: OUT is already the new set, so a failure here only leaves the folder behind."""
    try:
        return [] if retire(folder, out, owned_of(folder)) else [folder]
    except OSError:
        return [folder]


def discard(folder: Path, out: Path, owned_of: Owned) -> None:
    """Remove a staging or retired folder of OUT: outright while it is marked incomplete, else `retire`."""
    if (folder / MARKER).is_file():
        shutil.rmtree(folder)
    else:
        retire(folder, out, owned_of(folder))


def clean_leftovers(out: Path, owned_of: Owned) -> list[Path]:
    """What killed builds left beside OUT, cleared (call it under `lock`); returns folders that must stay.

    A build killed between the fallback's two renames left no OUT: its old generation is renamed back first.
    """
    if not out.parent.is_dir():
        return []
    new, old = _sibling(out, "new"), _sibling(out, "old")
    found = sorted((p for p in out.parent.iterdir() if (new.fullmatch(p.name) or old.fullmatch(p.name))
                    and p.is_dir() and not p.is_symlink()), key=lambda p: p.stat().st_mtime_ns)
    retired = [p for p in found if old.fullmatch(p.name)]
    if retired and not os.path.lexists(out):
        os.rename(retired[-1], out)
        found.remove(retired[-1])
    kept = []
    for folder in found:
        with suppress(OSError):
            discard(folder, out, owned_of)
        if os.path.lexists(folder):
            kept.append(folder)
    return kept


def describe(exc: OSError, stage: Path | None = None, out: Path | None = None) -> str:
    """One line for a file-system error: the path (a staged file under its name in OUT) and the reason."""
    where = exc.filename if exc.filename is not None else "?"
    if stage is not None and out is not None and str(where).startswith(str(stage) + os.sep):
        where = out / Path(str(where)).relative_to(stage)
    reason = exc.strerror or str(exc)
    if exc.filename2 is not None:
        reason += f" (renaming to {exc.filename2})"
    return f"{where}: {reason}"
