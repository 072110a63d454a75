"""Chunking long pre-training documents: every chunk fits, no word is split, natural boundaries win."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from dataprep.text.chunk import chunk_text
from dataprep.tokens import counter

DOCS = sorted((Path(__file__).resolve().parent.parent / "sample_data" / "raw" / "pretraining").iterdir())
COUNT = counter("cl100k").count


def tokens(text: str) -> int:
    return int(COUNT([text])[0])


def positions(text: str, chunks: list[str]) -> list[tuple[int, int]]:
    """Where each chunk sits in the original text (chunks are substrings, in order)."""
    spans, pos = [], 0
    for chunk in chunks:
        start = text.index(chunk, pos)
        spans.append((start, start + len(chunk)))
        pos = start + len(chunk)
    return spans


@pytest.mark.parametrize("limit", [64, 256])
@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_sample_documents_fit_and_keep_every_word(doc: Path, limit: int) -> None:
    text = doc.read_text(encoding="utf-8")
    chunks = chunk_text(text, limit, COUNT)
    assert len(chunks) > 1
    assert max(COUNT(chunks)) <= limit
    positions(text, chunks)  # every chunk is a verbatim slice, in order
    words = text.split()
    assert "".join("".join(chunks).split()) == "".join(words)  # nothing lost or reordered
    too_long = {w for w in words if tokens(w) > limit}  # only these may be cut (long URLs at 64 tokens)
    chunk_words = [w for c in chunks for w in c.split()]
    if not too_long:
        assert chunk_words == words
    else:
        assert [w for w in chunk_words if w in set(words)] == [w for w in words if w not in too_long]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_chunks_break_inside_a_paragraph_only_when_it_is_too_long(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    paragraphs = [(m.start(), m.start() + len(m.group().rstrip()))
                  for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]
    chunks = chunk_text(text, 256, COUNT)
    for _, end in positions(text, chunks)[:-1]:
        inside = [(a, b) for a, b in paragraphs if a < end < b]
        if inside:
            (a, b), = inside
            assert tokens(text[a:b]) > 256, f"split a paragraph that fits: {text[a:b][:80]!r}"


def test_an_oversized_paragraph_is_split_at_sentence_ends() -> None:
    sentence = "The training job reads each record from Amazon S3 and writes the model artifacts back. "
    paragraph = (sentence * 12).strip()
    text = f"Intro line.\n\n{paragraph}\n\nOutro line."
    chunks = chunk_text(text, 64, COUNT)
    assert max(COUNT(chunks)) <= 64
    assert all(chunk.endswith(".") for chunk in chunks)
    assert "".join(c + " " for c in chunks).split() == text.split()


def test_packing_is_greedy_and_joins_with_original_separators() -> None:
    text = "\n\n".join(f"Paragraph number {i} is short." for i in range(40))
    chunks = chunk_text(text, 64, COUNT)
    assert all("\n\n" in chunk for chunk in chunks)  # several paragraphs per chunk, separators kept
    for chunk, following in itertools.pairwise(chunks):
        first_of_next = following.split("\n\n")[0]
        assert tokens(f"{chunk}\n\n{first_of_next}") > 64  # the next paragraph would not have fitted


def test_a_text_that_fits_is_returned_unchanged() -> None:
    text = "  Short text with edges.\n\n"
    assert chunk_text(text, 64, COUNT) == [text]


def test_a_blob_without_whitespace_is_cut_hard_and_fits() -> None:
    blob = "QmFzZTY0IGVuY29kZWQgZGF0YQ" * 400
    text = f"See the payload: {blob} end."
    chunks = chunk_text(text, 64, COUNT, max_chars=200)
    assert max(COUNT(chunks)) <= 64 and max(map(len, chunks)) <= 200
    assert chunks[0].startswith("See the payload: ") and chunks[-1].endswith(" end.")  # words around stay whole
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_max_chars_is_respected_as_well_as_tokens() -> None:
    text = DOCS[0].read_text(encoding="utf-8")
    chunks = chunk_text(text, 4096, COUNT, max_chars=500)
    assert len(chunks) > 1
    assert max(len(c) for c in chunks) <= 500
    assert [w for c in chunks for w in c.split()] == text.split()


def test_chunking_is_deterministic() -> None:
    text = DOCS[-1].read_text(encoding="utf-8")
    assert chunk_text(text, 64, COUNT) == chunk_text(text, 64, COUNT)


def test_limits_too_small_to_hold_a_character_are_rejected() -> None:
    with pytest.raises(ValueError, match="too small"):
        chunk_text("text", 3, COUNT)
