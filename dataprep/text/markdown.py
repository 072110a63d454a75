"""Markdown to plain text for continued pre-training (DP417): what a reader sees, not the markup.

A model pre-trained on raw markdown learns `<a name="x"></a>` anchors, `\\.` escapes, `[text](url.md)` link
syntax and image references as language: in the SageMaker guide they reach ~98% of the documents. A parser
(markdown-it-py, CommonMark with GitHub tables, a maintained library; no hand-written markdown grammar here)
gives the text a reader sees: headings and paragraphs as lines, list items with a marker, table rows as
cells joined by ` | `, link text without its target, no images, no HTML tags, escapes resolved. Code is the
exception: fenced and indented blocks keep every character and their fences, because code is what the
model should learn verbatim. Deterministic and offline; the build counts each rewritten document.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_TAG = re.compile(r"<[^<>\n]{0,300}>")


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def to_text(markdown: str) -> str:
    """The plain text of a markdown document; code blocks verbatim with their fences."""
    state = _State()
    for token in _parser().parse(markdown):
        state.take(token)
    return "\n\n".join(state.blocks).strip()


class _State:
    """The blocks written so far and where the walk is: open lists (their counters) and the table row."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.lists: list[int] = []  # per open list, innermost last: 0 for bullets, else the next number
        self.marker = ""  # the marker the next paragraph of a new list item starts with
        self.row: list[str] | None = None  # the cells of the table row being read
        self.cell = False
        self.joined = False  # the last block takes the next line directly (table rows, tight list items)
        self.tight = False  # the paragraph being read is a tight list item's (no blank line around it)

    def take(self, token: Token) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.lists.append(int(token.attrGet("start") or 1) if kind == "ordered_list_open" else 0)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "list_item_open":
            self.marker = self._next_marker()
        elif kind == "tr_open":
            self.row = []
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            self.cell = kind.endswith("_open")
        elif kind == "paragraph_open":
            self.tight = token.hidden
        elif kind == "tr_close" and self.row is not None:
            self._add(" | ".join(self.row), join=True)
            self.row = None
        elif kind == "inline":
            self._inline(_inline(token))
        elif kind in ("fence", "code_block"):
            self._add(_code(token))
        elif kind == "html_block":
            text = " ".join(_TAG.sub(" ", token.content).split())
            if text:
                self._add(text)

    def _add(self, text: str, join: bool = False) -> None:
        """A new block, or the next line of the last one when both are rows of one table or tight list."""
        if join and self.joined and self.blocks:
            self.blocks[-1] += "\n" + text
        else:
            self.blocks.append(text)
        self.joined = join

    def _inline(self, text: str) -> None:
        if self.row is not None and self.cell:
            self.row.append(text)
            return
        if not text:
            return
        if self.lists:
            depth = "  " * (len(self.lists) - 1)
            text = depth + (self.marker or "  ") + text
            self.marker = ""
        self._add(text, join=bool(self.lists) and self.tight)

    def _next_marker(self) -> str:
        """`- ` in a bullet list, `N. ` in an ordered one (advancing N)."""
        number = self.lists[-1] if self.lists else 0
        if number == 0:
            return "- "
        self.lists[-1] += 1
        return f"{number}. "


def _code(token: Token) -> str:
    """A code block as written: fenced with its info string, or indented content fenced plainly."""
    body = token.content.rstrip("\n")
    if token.type == "fence":
        return f"{token.markup}{token.info}\n{body}\n{token.markup}"
    return f"```\n{body}\n```"


def _inline(token: Token) -> str:
    """The visible text of an inline run: text, code spans' content and breaks; no link targets, images or tags."""
    parts: list[str] = []
    for child in token.children or ():
        kind = child.type
        if kind == "text" or kind == "code_inline":
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
    return " ".join("".join(parts).split(" ")).strip() if parts else ""
