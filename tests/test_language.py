# ruff: noqa: RUF001  (real Chinese, Cyrillic and Greek text: the look-alike characters are the point)
"""Language on short and mixed text (#12 item 6): script first, `und` when too short, per user-side message.

The Chinese texts are instructions of LLaMA-Factory's `data/alpaca_zh_demo.json` (see
benchmarks/evalsets/SOURCE.md), the English ones real prompts of the shared corpora.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build, jsonl

from dataprep.build.language import languages
from dataprep.build.model import Unit
from dataprep.formats.base import Canonical, Turn
from dataprep.text import language
from dataprep.text.language import UNKNOWN, detect_languages

DETECTORS = ("langdetect", "fasttext")
CHINESE = [
    "识别并解释给定列表中的两个科学理论：细胞理论和日心说。",
    "编辑给定的代码以添加错误处理。\n输入：\ndef calculate_sum(numbers):\n    sum = 0\n    for num in numbers:\n"
    "        sum += num\n    return sum",  # mostly Latin letters: code inside a Chinese instruction
    "输入一个英文句子，将其翻译成中文。\nThe quick brown fox jumps over the lazy dog.",
    "你好",
    "将给定的XML代码转换为JSON代码。 \n输入：<root> <item id=\"1\"> <name>Sample data</name> </item> </root>",
    "好领导 (literal translation)",  # a Chinese phrase with too few English letters beside it to be English
]


@pytest.mark.parametrize("detector", DETECTORS)
def test_short_english_is_undetermined_not_catalan(detector: str) -> None:
    assert detect_languages(["Explain democracy", "What does 你好 mean?"], detector) == [UNKNOWN, UNKNOWN]


@pytest.mark.parametrize("detector", DETECTORS)
def test_chinese_is_chinese_whatever_else_the_text_holds(detector: str) -> None:
    assert [c.split("-")[0] for c in detect_languages(CHINESE, detector)] == ["zh"] * len(CHINESE)


@pytest.mark.parametrize(("text", "code"), [
    ("Привет, как дела? Расскажи мне о погоде сегодня в Москве, пожалуйста.", "ru"),
    ("こんにちは、元気ですか", "ja"),
    ("안녕하세요, 오늘 날씨가 어때요?", "ko"),
    ("Γειά σου κόσμε, τι κάνεις σήμερα;", "el"),
    ("שלום עולם, מה שלומך היום?", "he"),
    ("สวัสดีครับ วันนี้อากาศดีมาก", "th"),
    ("12345 --- ???", UNKNOWN),
])
def test_the_script_decides(text: str, code: str) -> None:
    for detector in DETECTORS:
        assert detect_languages([text], detector) == [code]


def _unit(row: Canonical) -> Unit:
    return Unit("raw.jsonl", 1, 0, 1, "", row, "")


def test_the_record_is_judged_on_its_user_side() -> None:
    # An English answer to a Chinese question is a Chinese record; a Chinese answer to an English one is English.
    zh = Canonical(turns=(Turn("user", CHINESE[0]), Turn("assistant", "The cell theory and heliocentrism " * 4)))
    en = Canonical(turns=(Turn("user", "Please translate the following sentence into Chinese for me: good morning."),
                          Turn("assistant", "早上好。这是一个常见的问候语，用于早晨见面的时候。")))
    assert [c.split("-")[0] for c in languages([_unit(zh), _unit(en)], "langdetect")] == ["zh", "en"]


def test_lang_en_keeps_short_english_and_drops_every_chinese_record(tmp_path: Path) -> None:
    english = ["Explain democracy", "What is the capital of France and why did it become the capital?",
               "Write a short poem about the sea at night, with rhymes.", "How do I boil an egg?"] * 3
    rows = [{"prompt": f"{p} ({i})", "completion": f"Answer number {i}."} for i, p in enumerate(english)]
    rows += [{"prompt": f"{p}（{i}）", "completion": f"Answer {i}."} for i, p in enumerate(CHINESE)]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--lang", "en", "--no-report")
    assert done.returncode == 0, done.stderr
    rejected = [r for r in jsonl(tmp_path / "out" / "rejected.jsonl") if r["code"] == "DP411"]
    assert [r["line"] for r in rejected] == list(range(len(english) + 1, len(rows) + 1))
    assert f"in '{CHINESE[0][:10]}" in rejected[0]["reason"]  # the text that decided, quoted
    kept = {r["source_line"]: r["lang"] for r in jsonl(tmp_path / "out" / "lineage.jsonl")}
    assert kept[1] == "und" and kept[2] == "en"  # kept, and counted as undetermined


def test_the_build_default_is_the_detector_chosen_by_accuracy() -> None:
    from dataprep.build.model import BuildSettings

    assert BuildSettings().lang_detector == language.DEFAULT == "fasttext"
