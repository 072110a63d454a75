"""OpenAssistant message trees: which root-to-leaf conversations a tree holds, and which one is best.

An OASST export holds one tree per line (`{"message_tree_id", "prompt": {..., "replies": [...]}}`): a user
prompt, sibling assistant replies ranked by volunteers (`rank` 0 is the best), user follow-ups under them,
and so on. A training record is one path through a tree. By default the build takes the best-ranked path
(at every branch the reply with the lowest rank; unranked replies after ranked ones, in file order); with
`--oasst-paths all` every distinct root-to-leaf path. A message flagged `deleted` or failed in review
(`review_result: false`) is left out with everything under it, and a path is cut back to its last
assistant message: a conversation that ends on an unanswered prompt teaches nothing.

Pure functions of the parsed tree; the importer turns a path into turns.
"""

from __future__ import annotations

from typing import Any

Message = dict[str, Any]


def usable(message: Any) -> bool:
    """A message that may be part of a conversation: an object, not deleted, not failed in review."""
    if not isinstance(message, dict):
        return False
    return message.get("deleted") is not True and message.get("review_result") is not False


def _replies(message: Message) -> list[Message]:
    """The usable replies of a message, best first: by rank (unranked last), then in file order."""
    replies = message.get("replies")
    found = [r for r in replies if usable(r)] if isinstance(replies, list) else []
    return sorted(found, key=lambda r: (not _ranked(r), r.get("rank") if _ranked(r) else 0))


def _ranked(message: Message) -> bool:
    rank = message.get("rank")
    return isinstance(rank, int | float) and not isinstance(rank, bool)


def _trimmed(path: list[Message]) -> list[Message]:
    """The path up to its last assistant message (the whole path when it has none: the importer reports it)."""
    last = max((i for i, m in enumerate(path) if m.get("role") == "assistant"), default=len(path) - 1)
    return path[:last + 1]


def best_path(root: Message) -> list[Message]:
    """The best-ranked conversation: from the root, the best usable reply at every step."""
    path = [root]
    while True:
        replies = _replies(path[-1])
        if not replies:
            return _trimmed(path)
        path.append(replies[0])


def all_paths(root: Message) -> list[list[Message]]:
    """Every distinct root-to-leaf conversation (trimmed to its last assistant message), in tree order."""
    paths: list[list[Message]] = []
    seen: set[tuple[int, ...]] = set()
    stack: list[list[Message]] = [[root]]
    while stack:
        path = stack.pop()
        replies = _replies(path[-1])
        if replies:
            stack.extend([*path, reply] for reply in reversed(replies))
            continue
        trimmed = _trimmed(path)
        key = tuple(id(m) for m in trimmed)
        if key not in seen:
            seen.add(key)
            paths.append(trimmed)
    return paths


def single_path_tree(tree: dict[str, Any], path: list[Message]) -> dict[str, Any]:
    """A copy of the tree record holding only `path` (each message's one reply the next one): a record of its own
    whose best path is `path`."""
    node: Message | None = None
    for message in reversed(path):
        node = {**message, "replies": [node] if node is not None else []}
    return {**tree, "prompt": node}
