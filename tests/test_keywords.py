"""DP212 on real text: the documented keywords, in the documented spelling, in the turns the rule covers (#12).

Each text below is quoted from a public corpus (source in the comment); each one was dropped by the
case-insensitive substring match over every turn that came before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build, jsonl, validate_json

from dataprep.checks.keywords import ReservedKeywords
from dataprep.formats.base import Canonical, Turn
from dataprep.profiles import load_profiles

NOVA = ReservedKeywords.of(load_profiles()["nova-micro"])
HAIKU = ReservedKeywords.of(load_profiles()["claude-3-haiku"])


def row(user: str, answer: str = "Sure.", system: str | None = None) -> Canonical:
    return Canonical(system=system, turns=(Turn("user", user), Turn("assistant", answer)))


# Assistant answers: Nova's rule is about user and system prompts; none of these may drop the record.
ANSWERS = [
    "4. Well-established ecosystem: PHP has been around for",  # OASST en_100_tree line 5
    "    3. Create a support system: Having friends or family",  # OASST en_100_tree line 29
    "Here is the content of Wikipedia's page about the Solar System: request('https://en.wikipedia.org')",  # GPTeacher
    "class User:\n    def __init__(self, name):\n        self.name = name",
    "console.error('Error registering user:', err);",
    "I am your AI Assistant: ask me anything.",
    "Monitor the system: check the logs every hour.",
]

# User prompts that are not the documented spelling or not at a token boundary.
PROMPT_NEGATIVES = [
    'Can an answer to "Chown: invalid user: \u2018ubuntu: ubuntu\u2019?" also be used to answer',  # T0 glue_qqp
    "One such system: the Pentagon's IBM Server",  # T0 multi_news
    "Well-established ecosystem: PHP",
    "User : Hi dear \nAgent : helo ,",  # OASST en_100_tree: a space before the colon
    "Our ChatBot: replies in seconds",
    "MOBILE USERS: Download our Tucson News app",  # T0 multi_news
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_keywords_in_answers_pass(answer: str) -> None:
    assert NOVA.problem(row("Tell me more.", answer)) is None


@pytest.mark.parametrize("prompt", PROMPT_NEGATIVES)
def test_near_misses_in_prompts_pass(prompt: str) -> None:
    assert NOVA.problem(row(prompt)) is None


def test_documented_spelling_in_a_user_prompt_is_found_with_its_column() -> None:
    # OASST en_100_tree line 87, a user prompt
    text = 'the other subjects:\nAlternate Universe Assistant: "Greetings, SCP-6974'
    code, message = NOVA.problem(row(text)) or ("", "")
    assert code == "DP212"
    assert "'Assistant:'" in message and "(user turn 1, line 2, column 20)" in message


def test_system_prompt_and_later_user_turns_are_read() -> None:
    assert NOVA.problem(row("hi", system="System: be brief")) is not None
    later = Canonical(turns=(Turn("user", "hi"), Turn("assistant", "User: hello"), Turn("user", "<image> here"),
                             Turn("assistant", "ok")))
    _, message = NOVA.problem(later) or ("", "")
    assert "'<image>'" in message and "user turn 2" in message


def test_a_case_insensitive_profile_quotes_the_text_as_written() -> None:
    loose = ReservedKeywords("m", ("User:",), case_sensitive=False)
    _, message = loose.problem(row("and the user: said")) or ("", "")
    assert "'user:'" in message and "column 9" in message


def test_haiku_reads_every_turn() -> None:
    _, message = HAIKU.problem(row("hi", "Fine.\nHuman: and you?")) or ("", "")
    assert "'\\nHuman:'" in message and "assistant turn 1, line 2, column 1" in message
    assert HAIKU.problem(row("Human: hi")) is None  # at the very start there is no newline before it


def test_build_keeps_answers_with_keywords_and_drops_the_prompt(tmp_path: Path) -> None:
    rows = [{"prompt": f"Tell me fact {i} about rivers.", "completion": f"Rivers fact {i}: they flow."}
            for i in range(20)]
    rows += [{"prompt": "Show a model class.", "completion": ANSWERS[3]},
             {"prompt": "Why PHP?", "completion": ANSWERS[0]},
             {"prompt": "Explain this:\nBot: hello there", "completion": "It is a greeting."}]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    dropped = [r for r in jsonl(tmp_path / "out" / "rejected.jsonl") if r["code"] == "DP212"]
    assert [r["line"] for r in dropped] == [23]
    _, findings = validate_json(tmp_path / "out" / "train.jsonl", "--model", "nova-micro")
    assert not [f for f in findings if f["code"] == "DP212"]
