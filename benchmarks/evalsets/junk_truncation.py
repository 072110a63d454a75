"""DP408 set: answers cut off mid-sentence at generation time, against complete answers that end unpunctuated.

Why: the old warning fired on lists, poems, sign-offs and code. Every real answer of 30 words or more is read
by how it ends (`ending`): a last line of prose that stops without a full stop, on a comma, an open bracket
or a function word is a cut (HH-RLHF's answers were cut at a length limit, so most real positives are
there); a list item, a table row, a heading, a URL, a closed code block, a letter's sign-off, a poem's last
line, a final number or an abbreviation is a complete ending (hard negative). `OVERRIDES` holds the labels
changed after reading. Planted positives are real complete answers cut inside a sentence.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet, cut_mid_sentence

_LIST = re.compile(r"^\s*([-*•+]|\d+[.)]|[A-Z][.)]|[ivxIVX]+[.)])\s+\S")
_SIGNOFF = re.compile(r"(?i)^(best|kind|warm)?\s*(regards|sincerely|cheers|thanks|thank you|best wishes|yours"
                      r"( truly| sincerely)?|love|respectfully|best)[,!]?$")
_FUNCTION_END = re.compile(r"(?i)\b(the|a|an|of|and|to|with|that|in|for|is|are|by|or|but|as|which|on|at|from|"
                           r"your|their|its|be|was|were|can|will|would|if|when|because|so|this|these|than)$")
_ABBREV = re.compile(r"(?i)\b(etc|e\.g|i\.e|inc|ltd|co|approx|vs|dr|mr|mrs|no|jr|sr|u\.s)\.$")
_CODE_LINE = re.compile(r"^\s*(from \w|import |def |class |return\b|print|console\.|echo |printf |const |let |var |"
                        r"SELECT |#|public |int |fi$|done$|\}|\w+ ?= ?\S)|[;{}]\s*(//.*)?$|===|=>|\w\(.*\)$")
_TOOL_CALL = re.compile(r"\b(wikipedia|wolfram|python|calculator|search|calendar|weather)\('.*'\)$")
_POEM = re.compile(r"(?i)\b(poem|song|lyrics|haiku|limerick|verse|rhyme|sonnet)\b")
_PER_KIND = 45  # real negatives kept per kind of ending, so lists do not crowd out sign-offs and poems
_OA, _HH = "corpus:oasst-en100-trees/en_100_tree.jsonl:", "corpus:hh-rlhf-harmless-test/harmless-base-test.jsonl:"
_GT, _LF = "corpus:gpteacher-toolformer/toolformer-dedupe-only-dataset.json:", "LLaMA-Factory/data/"
READ: dict[str, tuple[bool, str]] = {
    "stop": (False, "read: a complete sentence without its final full stop"),
    "question": (False, "read: a complete question without its question mark"),
    "cmd": (False, "read: ends with a shell command"),
    "list": (False, "read: ends with an unmarked list item (reference, glossary or headline list)"),
    "table": (False, "read: ends with a tab-separated table row"),
    "poem": (False, "read: ends with the last line of a poem"),
    "hashtag": (False, "read: ends with a hashtag"),
    "answer": (False, "read: ends with the final answer of a worked question"),
    "fence": (False, "read: ends with a full stop; a stray triple backtick is not an open code block"),
    "code": (False, "read: ends with a complete line of code"),
    "cut-row": (True, "read: stops in the middle of a table row"),
    "cut-url": (True, "read: stops inside a URL (`https://www.nbc`)"),
    "cut-tag": (True, "read: stops on a bare `#` starting the next hashtag"),
}
# (source, last 30 characters) -> a READ code, or None to leave the item out: the labels changed after reading.
OVERRIDES: dict[tuple[str, str], str | None] = {
    (_OA + "82", "od basis for a story like this"): "stop",
    ("GPTeacher/Codegen/codegen-instruct.json:498", "-iname '*.txt' -exec rm '{}' +"): "code",
    (_HH + "1157", " you want to proceed with this"): "question",
    (_HH + "2091", "n give you good advice on this"): "stop",
    (_HH + "1534", "of your arson: https://www.nbc"): "cut-url",
    (_LF + "dpo_en_demo.json:289", "n_bisnis #penghasilan1miliar #"): "cut-tag",
    (_LF + "dpo_en_demo.json:228", "le.log('\\n');\n  });\n}\n\nmain();"): "code",
    (_OA + '5', 't successful companies use PHP'): 'stop',
    (_OA + '21', 'p install gspread oauth2client'): 'cmd',
    (_OA + '21', "eadsheet's metadata and sheets"): 'list',
    (_OA + '26', 'veggies\nHome made protien bars'): 'list',
    (_OA + '33', 'personal preferences and needs'): 'stop',
    (_OA + '49', ' composition and contour lines'): 'stop',
    (_OA + '51', 'n -s file.txt link_to_file.txt'): 'cmd',
    (_OA + '52', 'adapt to changes in the system'): 'table',
    (_OA + '59', " to implement additional API's"): 'stop',
    (_OA + '62', 'ights at the time of inference'): 'stop',
    (_OA + '66', 'r installed packages in python'): 'stop',
    (_OA + '69', 'that the ship can safely carry'): 'list',
    (_OA + '82', 'tween aliens and humans occurs'): 'stop',
    (_OA + '92', 'men to kill and ethnic cleanse'): 'poem',
    (_HH + '60', 'fferent way I might understand'): 'stop',
    (_HH + '230', "ul things, that's really great"): 'stop',
    (_HH + '312', 'nce any strong emotions though'): 'stop',
    (_HH + '540', 'oning off oil reserves in Iraq'): 'stop',
    (_HH + '553', ' freezing, but not a high risk'): 'stop',
    (_HH + '644', 'pollution of their environment'): 'stop',
    (_HH + '1238', 'gion to be personally valuable'): 'stop',
    (_HH + '1258', 'omeone who knows the mushrooms'): 'stop',
    (_HH + '1434', 't fault. We’re all complicated'): 'stop',  # noqa: RUF001
    (_HH + '1592', ' your roommates or by the cops'): 'stop',
    (_HH + '1636', 'ossibly have a label around it'): 'question',
    (_HH + '1906', 'g ideas for what happened then'): 'stop',
    (_HH + '2281', 'might be very scared and angry'): 'stop',
    (_GT + '1590', ' to space travel reduces costs'): 'list',
    (_LF + 'alpaca_en_demo.json:116', 'love like no other. #PuppyLove'): 'hashtag',
    (_LF + 'alpaca_en_demo.json:179', 'x7=70\n2x8=16 | 3x8=24 | 4x8=32'): 'cut-row',
    (_LF + 'alpaca_en_demo.json:782', 'ssion that finally boiled over'): 'stop',
    (_LF + 'glaive_toolcall_en_demo.json:243', 'o! How can I assist you today?'): 'question',
    (_LF + 'dpo_en_demo.json:84', 'dealization of the Middle Ages'): 'stop',
    (_LF + 'dpo_en_demo.json:138', 'children under the age of five'): 'stop',
    (_LF + 'dpo_en_demo.json:139', 'ng overall investor confidence'): 'stop',
    (_LF + 'dpo_en_demo.json:175', 'style, with more complex poses'): 'stop',
    (_LF + 'dpo_en_demo.json:213', ' the benefits that yoga brings'): 'stop',
    (_LF + 'dpo_en_demo.json:281', ' the flat road?\n[EX A]: 3 hour'): 'answer',
    (_LF + 'kto_en_demo.json:37', 'urrent conversation state.\n```'): 'fence',
    (_LF + 'kto_en_demo.json:58', 'navez rencontre romaine de Fès'): None,
    (_LF + 'kto_en_demo.json:173', 's) do run(unpack(example)) end'): 'code',
    (_LF + 'kto_en_demo.json:218', 'eading to the distinct flavors'): 'stop',
    (_LF + 'kto_en_demo.json:223', 'les.\n Thus the answer is: True'): 'answer',
    (_LF + 'kto_en_demo.json:224', 'on of Archduke Franz Ferdinand'): 'answer',
    (_LF + 'kto_en_demo.json:267', 'Shell ISE as an administrator.'): 'fence',
}


def _unbalanced(line: str) -> bool:
    return line.count("(") > line.count(")") or line.count("[") > line.count("]")


def _complete(last: str, previous: str, poem: bool) -> str | None:
    """Why an unpunctuated or special ending is complete (None: not a known complete ending)."""
    checks = (
        (bool(re.search(r"https?://\S+$", last)), "ends with a URL"),
        (last.startswith("|"), "ends with a table row"),
        (bool(re.match(r"#{1,6} \S", last)) and len(last.split()) <= 12 and last[-1] != ".", "ends with a heading"),
        (bool(_SIGNOFF.match(previous)) and len(last.split()) <= 4, "ends with a letter's sign-off and name"),
        (bool(_LIST.match(last)), "ends with a list item (items carry no full stop)"),
        (poem, "ends with the last line of a poem or song"),
        (bool(_ABBREV.search(last)), "ends with an abbreviation's full stop"),
        (bool(re.search(r"[\d%°CF)]$", last)) and bool(re.search(r"[=\d]", last)), "ends with a final number "
         "or formula"),
        (bool(re.match(r"^\s*[\w-]+: \S", last)) and len(last) < 120, "ends with a key: value line of "
         "structured output"),
    )
    return next((why for hit, why in checks if hit), None)


def _code_line(line: str) -> bool:
    return bool(_CODE_LINE.search(line))


def _code_ending(lines: list[str]) -> tuple[bool, str] | None:
    """How an answer that is (or ends with) unfenced code ends; None when it does not end with code."""
    last = lines[-1].strip()
    code_share = sum(1 for line in lines if _code_line(line)) / len(lines)
    if not _code_line(last) or (code_share < 0.3 and not (len(lines) > 1 and lines[-2].rstrip().endswith(":"))):
        return None
    if re.search(r"[,(=+*/&|\\\[{]$", last) or _unbalanced(last):
        return True, "stops inside a line of code"
    return False, "ends with a complete line of code (an unfenced program or example)"


def _numbered_stub(last: str, text: str) -> bool:
    """A bare list number as the last line: `7.`, or `6` right after a list that reached 5."""
    if re.fullmatch(r"\d+[.)]", last):
        return True
    return bool(re.fullmatch(r"\d+", last)) and f"\n{int(last) - 1}. " in text


def ending(text: str, poem: bool = False) -> tuple[bool, str] | None:
    """(truncated, why) for a real answer by how it ends; None for an ordinary punctuated ending."""
    stripped = text.rstrip()
    lines = [line for line in stripped.splitlines() if line.strip()]
    last, previous = lines[-1].strip(), (lines[-2].strip() if len(lines) > 1 else "")
    if stripped.endswith("```") and stripped.count("```") % 2 == 0:
        return False, "ends with a closed code block"
    if stripped.count("```") % 2 == 1:
        return True, "stops inside an unclosed code block"
    if _numbered_stub(last, stripped):
        return True, "stops right after a list number, before the item"
    if _TOOL_CALL.search(last):
        return False, "ends with a tool call"
    if (code := _code_ending(lines)) is not None:
        return code
    if last[-1] in ",(-\u2013" or _FUNCTION_END.search(last) or _unbalanced(last):
        return True, f"stops mid-sentence on {last.split()[-1]!r}"
    if (why := _complete(last, previous, poem)) is not None:
        return False, why
    if last[-1].isalnum() and len(last.split()) >= 4:
        return True, "the last sentence stops without its end (cut at the length limit)"
    return None


def truncation_set(corpora: Path, llama_factory: Path, codegen: Path | None = None) -> ItemSet:
    out = ItemSet()
    poems = _poem_sources(llama_factory)
    complete, per_kind = [], Counter[str]()
    for source, text in src.all_answers(corpora, llama_factory, codegen):
        if len(text.split()) < 30:
            continue
        label = ending(text, source in poems)
        key = (source, text.rstrip()[-30:])
        if key in OVERRIDES:
            code = OVERRIDES[key]
            label = None if code is None else READ[code]
        if label is not None and (label[0] or per_kind[label[1]] < _PER_KIND):
            per_kind[label[1]] += out.add(text, label[0], label[1], source)
        elif text.rstrip()[-1] in ".!?" and "```" not in text:
            complete.append(text)
    rng = random.Random(408)
    rng.shuffle(complete)
    for text in complete[: max(0, 230 - out.count(True))]:
        if (cut := cut_mid_sentence(text, rng)) is not None:
            out.add(cut, True, "planted: a real complete answer cut after a word inside a sentence", "planted")
    return out


def _poem_sources(llama_factory: Path) -> set[str]:
    records = json.loads((llama_factory / "alpaca_en_demo.json").read_text(encoding="utf-8"))
    return {f"LLaMA-Factory/data/alpaca_en_demo.json:{i}" for i, r in enumerate(records)
            if _POEM.search(str(r["instruction"]))}
