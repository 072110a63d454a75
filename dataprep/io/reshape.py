"""One file's raw records as the importers should see them: fields mapped, trees split into paths.

Between the container (records with their lines) and the importers (one record, one canonical row) sits
what is decided per file, from the reader's options: the field mapping or synonyms (`dataprep.io.mapping`)
and, with `--oasst-paths all`, an OpenAssistant tree made into one record per root-to-leaf path (all at the
tree's line: the accounting counts the paths as the input records). The line this returns says what was
chosen for the file, for the summary and the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from dataprep.formats import shapes
from dataprep.io import trees
from dataprep.io.containers import Entry
from dataprep.io.mapping import FileMapper, ReadOptions

# Containers whose one record is a whole document: nothing to map.
_DOCUMENTS = (".txt", ".md")


class Reshaped:
    """A file's entries, mapped and split as the options say, as they come; `note` once all are out.

    Iterated once: a streamed file is never held whole (`dataprep.io.containers`). The note says what was
    chosen for the file ('' when its records were read as found). Iterating raises UsageError at the end of
    the file when `--map` names a field no record of it has.
    """

    def __init__(self, entries: Iterable[Entry], options: ReadOptions, source: str, suffix: str) -> None:
        self._entries, self._options, self._source, self._suffix = entries, options, source, suffix
        self.note = ""

    def __iter__(self) -> Iterator[Entry]:
        if self._suffix in _DOCUMENTS:
            yield from self._entries
            return
        mapper = FileMapper(self._source, self._options.fields)
        kinds: Counter[str] = Counter()
        given = made = 0
        for entry in self._entries:
            given += 1
            if entry.value is None:
                made += 1
                yield entry
                continue
            value = mapper(entry.value)
            shape = shapes.detect(value, sources=True)
            kinds[shape or ""] += 1
            if shape == shapes.OASST and self._options.oasst_paths == "all":
                paths = _paths(entry, value)
                made += len(paths)
                yield from paths
            elif value is entry.value:
                entry.shape = shape  # found once: the converter reads it (a file's entries are this reader's own)
                made += 1
                yield entry
            else:
                made += 1
                yield Entry(entry.line, entry.original, value=value, shape=shape)
        mapper.check()
        notes = [mapper.note(sum(kinds.values())), _described(kinds, self._options, made - given)]
        self.note = "; ".join(note for note in notes if note)


def _paths(entry: Entry, tree: dict[str, object]) -> list[Entry]:
    """One entry per distinct root-to-leaf path of a tree; the tree itself when it has no path to give."""
    paths = trees.all_paths(tree["prompt"])  # type: ignore[arg-type]
    if len(paths) <= 1:
        return [Entry(entry.line, entry.original, value=tree)]
    return [Entry(entry.line, entry.original, value=trees.single_path_tree(tree, path)) for path in paths]


def _described(kinds: Counter[str], options: ReadOptions, added: int) -> str:
    """What the reader chose for the shapes that take an option (HH-RLHF side, OASST paths)."""
    notes = []
    if kinds[shapes.HH]:
        notes.append(f"HH-RLHF transcripts: the {options.hh_side!r} side (--hh-side)")
    if kinds[shapes.OASST]:
        trees_ = kinds[shapes.OASST]
        if options.oasst_paths == "all":
            notes.append(f"OpenAssistant trees: all root-to-leaf paths ({trees_ + added:,} from {trees_:,} trees; "
                         "deleted and review-failed messages left out)")
        else:
            notes.append(f"OpenAssistant trees: the best-ranked path of each of {trees_:,} trees (--oasst-paths "
                         "all for every path; deleted and review-failed messages left out)")
    return "; ".join(notes)
