"""DP412 set: pre-training chunks not worth training on, against clean documentation that repeats by design.

Why: the old rule dropped 14.6% of the clean SageMaker guide because code fences and JSON punctuation lines
"repeat". Each item is one chunk of a guide page as the build would see it: the page rendered to plain text
by dataprep's own renderer (`dataprep.text.markdown.to_text`, not a detector) and packed at paragraph
boundaries into chunks of at most 8,000 characters. Hard negatives are the real chunks that repeat the most
(procedures written once per console/CLI tab, parameter tables, code), each clean when read. The guide holds
no scraped junk, so positives are planted from real chunks: the site's navigation (real page titles)
appended in a scraping loop, a paragraph repeated, a scraped menu and footer repeated, or symbol tables.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet

_MAX_CHARS = 8000
_MENU = ("Home | Products | Solutions | Pricing | Documentation | Learn | Partner Network | AWS Marketplace | "
         "Events | Explore More | Sign In to the Console")
_FOOTER = ("Privacy | Site terms | Cookie preferences | © 2023, Amazon Web Services, Inc. or its affiliates. All "
           "rights reserved.")
_SYMBOLS = ("★ ☆ ✦ ✧ ✩ ✪ ✫ ✬ ✭ ✮", "═══════════════════════════", "│ ─ ┌ ┐ └ ┘ ├ ┤ ┬ ┴ ┼", "• • • • • • • •",
            "← ↑ → ↓ ↔ ↕ ↖ ↗ ↘ ↙", "\u03b1 \u03b2 \u03b3 \u03b4 \u03b5 \u03b6 \u03b7 \u03b8",
            "&amp; &lt; &gt; &quot; &#39; &nbsp;",
            "☐ ☑ ☒ ✓ ✔ ✕ ✖ ✗ ✘")


def _render(markdown: str) -> str:
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from dataprep.text.markdown import to_text

    return to_text(markdown)


def chunks(text: str) -> list[str]:
    """`text` packed at paragraph boundaries into chunks of at most `_MAX_CHARS` (a longer paragraph alone)."""
    out, current = [], ""
    for paragraph in re.split(r"\n\s*\n", text):
        if current and len(current) + 2 + len(paragraph) > _MAX_CHARS:
            out.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    return [*out, current] if current.strip() else out


def duplicated_fraction(text: str) -> float:
    """Characters in lines that occur more than once, over all characters (no exemptions: the naive measure)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    counts = Counter(lines)
    return sum(len(line) for line in lines if counts[line] > 1) / max(1, sum(len(line) for line in lines))


def _page_chunks(corpora: Path) -> list[tuple[str, str, str]]:
    """(source, title, chunk) of every guide page, the source naming the page and the chunk's number."""
    rows = []
    for source, page in src.sagemaker_pages(corpora):
        heading = next((line.lstrip("# ") for line in page.splitlines() if line.startswith("# ")), "")
        title = re.sub(r"\\(.)", r"\1", re.sub(r"<a name=[^>]*></a>", "", heading)).strip()
        for n, chunk in enumerate(chunks(_render(page)), 1):
            rows.append((f"{source}:chunk{n}", title, chunk))
    return rows


def _table_rows(chunk: str) -> int:
    return sum(1 for line in chunk.splitlines() if " | " in line)


def _prose_repeats(chunk: str) -> float:
    """`duplicated_fraction` over prose lines of 30+ characters of a chunk without code."""
    return 0.0 if "```" in chunk else duplicated_fraction("\n".join(
        line for line in chunk.splitlines() if len(line.strip()) >= 30))


def pretraining_set(corpora: Path) -> ItemSet:
    out = ItemSet()
    rows = [row for row in _page_chunks(corpora) if len(row[2]) >= 300]
    prose = sorted((r for r in rows if _prose_repeats(r[2]) > 0), key=lambda r: (-_prose_repeats(r[2]), r[0]))
    for source, _, chunk in prose[:80]:
        out.add(chunk, False, "clean guide text whose repeated sentences are procedure steps or notes written "
                f"once per tab/section ({_prose_repeats(chunk):.0%} of prose in repeated lines)", source)
    tables, seen = sorted(rows, key=lambda r: (-_table_rows(r[2]), r[0])), set()
    for source, _, chunk in tables:
        header = next((line for line in chunk.splitlines() if " | " in line), "")
        if len(seen) < 60 and (header, _table_rows(chunk)) not in seen:  # one of each table (regional copies)
            seen.add((header, _table_rows(chunk)))
            out.add(chunk, False, f"a clean reference page: a table of {_table_rows(chunk)} rows with the same "
                    "cell structure", source)
    code = sorted((r for r in rows if "```" in r[2]), key=lambda r: (-duplicated_fraction(r[2]), r[0]))
    for source, _, chunk in code[:110]:
        out.add(chunk, False, "clean guide text with code whose fences and JSON/punctuation lines repeat "
                f"({duplicated_fraction(chunk):.0%} of characters in repeated lines)", source)
    _plant_junk(out, rows, random.Random(412))
    return out


def _plant_junk(out: ItemSet, rows: list[tuple[str, str, str]], rng: random.Random) -> None:
    titles = sorted({title for _, title, _ in rows if title})
    pool = [chunk for _, _, chunk in rows if 600 <= len(chunk) <= 5000 and duplicated_fraction(chunk) < 0.05]
    rng.shuffle(pool)
    for n, chunk in enumerate(pool[:220]):
        kind = n % 4
        if kind == 0:
            nav = "\n".join(rng.sample(titles, rng.randint(8, 16)))
            text, why = chunk + ("\n\n" + nav) * rng.randint(3, 8), "a real page followed by its site navigation " \
                "(real page titles) scraped over and over"
        elif kind == 1:
            paragraphs = [p for p in chunk.split("\n\n") if len(p) > 80] or [chunk[:200]]
            repeated = rng.choice(paragraphs)
            text, why = chunk + ("\n\n" + repeated) * rng.randint(4, 10), "one paragraph of a real page repeated " \
                "many times (a scraping or concatenation loop)"
        elif kind == 2:
            block = f"{_MENU}\n{_FOOTER}"
            text, why = "\n\n".join([block, chunk] + [block] * rng.randint(3, 6)), "a scraped site menu and " \
                "footer around a real page, repeated"
        else:
            rows_ = [rng.choice(_SYMBOLS) for _ in range(rng.randint(25, 60))]
            text, why = chunk[: len(chunk) // 3] + "\n\n" + "\n".join(rows_), "a page fragment followed by " \
                "lines of symbol tables (scraped glyph charts)"
        out.add(text, True, f"planted: {why}", "planted")
