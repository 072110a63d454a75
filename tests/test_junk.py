"""SFT junk (#12 item 8): placeholders, end-of-sequence markers, mojibake, loops; and what is not junk."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import build, jsonl, summary_rules

from dataprep.checks import content, junk
from dataprep.checks.text_quality import looks_truncated
from dataprep.formats.base import Canonical, Turn

T0_MOJIBAKE = Path(__file__).parent / "data" / "t0-mojibake.jsonl"
NOVA = ("--model", "nova-micro", "--no-report")


def _pair(prompt: str, answer: str) -> Canonical:
    return Canonical(turns=(Turn("user", prompt), Turn("assistant", answer)))


def _codes(prompt: str, answer: str) -> list[str]:
    return [code for code, _ in content.findings(_pair(prompt, answer))]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _outputs(out: Path) -> list[dict[str, str]]:
    return [r for name in ("train.jsonl", "validation.jsonl") if (out / name).exists() for r in jsonl(out / name)]


def _filler(n: int) -> list[dict[str, str]]:
    return [{"prompt": f"What is {i} plus {i}?", "completion": f"{i} plus {i} is {2 * i}."} for i in range(n)]


def test_an_unfilled_placeholder_is_quoted_with_its_column_and_template_code_is_not_one() -> None:
    [(_, message)] = [f for f in content.findings(_pair("Write the letter.", "Dear {{name}},\nWelcome."))
                         if f[0] == "DP418"]
    assert "'{{name}}' at column 6" in message
    assert "DP418" not in _codes("Show a Jinja loop.", "Use this:\n```jinja\n{% for u in users %}{{ u.name }}"
                                 "{% endfor %}\n```")
    assert "DP418" not in _codes("How do I print a variable?", "In Jinja2 you write {{ name }} inside the page.")
    assert "DP418" not in _codes("Vue?", "Bind it with `{{ message }}` in the template.")


def test_a_loop_is_found_with_its_phrase_and_a_times_table_is_not() -> None:
    loop = "Here is my answer. " + "I will always be there for you, my friend. " * 30
    message = dict(content.findings(_pair("Say something kind.", loop)))["DP420"]
    assert "30 times in a row" in message and "'I will always be there for you, my friend.'" in message
    table = "\n".join(f"{i} x 7 = {7 * i}" for i in range(1, 40))
    assert "DP420" not in _codes("Print the 7 times table.", table)
    chorus = ("Verse one goes here with its own words and its own story to tell.\n"
              "Oh la la, sing it loud, sing it proud tonight.\n") * 4
    assert "DP420" not in _codes("Write a song.", chorus)


def test_real_t0_mojibake_is_reported_by_default_and_fixed_when_asked(tmp_path: Path) -> None:
    rows = jsonl(T0_MOJIBAKE)
    assert all("Â£" in r["prompt"] + r["completion"] for r in rows)
    raw = _write(tmp_path / "raw.jsonl", rows + _filler(20))
    kept = build(raw, tmp_path / "kept", *NOVA)
    assert kept.returncode == 0, kept.stderr
    assert summary_rules(kept.stderr)["DP419"]["warned"] == 5
    assert sum("Â£" in json.dumps(r, ensure_ascii=False) for r in _outputs(tmp_path / "kept")) == 5
    fixed = build(raw, tmp_path / "fixed", *NOVA, "--fix-mojibake")
    assert fixed.returncode == 0, fixed.stderr
    assert summary_rules(fixed.stderr)["DP419"]["fixed"] == 5
    texts = [json.dumps(r, ensure_ascii=False) for r in _outputs(tmp_path / "fixed")]
    assert not any("Â" in t for t in texts) and sum("£" in t for t in texts) == 5


def test_end_markers_at_the_end_of_any_turn_are_removed_and_html_is_kept(tmp_path: Path) -> None:
    rows = [{"prompt": f"Question {i}?###eos_token###", "completion": f"Answer number {i}.###eos_token###"}
            for i in range(10)]
    rows.append({"prompt": "Strike the old price.", "completion": "It costs <s>$20</s>"})
    raw = _write(tmp_path / "raw.jsonl", rows + _filler(10))
    done = build(raw, tmp_path / "out", *NOVA)
    assert done.returncode == 0, done.stderr
    texts = [json.dumps(r) for r in _outputs(tmp_path / "out")]
    assert len(texts) == 21 and not any("eos_token" in t for t in texts)
    assert any("<s>$20</s>" in t for t in texts)
    assert summary_rules(done.stderr)["DP416"]["fixed"] == 10


def test_a_prompt_template_shown_in_code_is_not_a_leftover_token() -> None:
    answer = 'Claude 2 takes this format:\n```python\nprompt = "\\n\\nHuman: Hello\\n\\nAssistant:"\n```\nThat is all.'
    assert "DP406" not in _codes("How do I format a Claude 2 prompt?", answer)
    assert "DP406" in _codes("Hi", "Sure.\n\nHuman: and then?")


def test_placeholders_loops_are_dropped_by_the_build_with_their_evidence(tmp_path: Path) -> None:
    rows = [{"prompt": "Write the welcome letter.", "completion": "Dear {{name}},\n\nWelcome to the team."},
            {"prompt": "Say something kind.", "completion": "You matter. " * 40}]
    raw = _write(tmp_path / "raw.jsonl", rows + _filler(20))
    done = build(raw, tmp_path / "out", *NOVA)
    assert done.returncode == 0, done.stderr
    reasons = {r["code"]: r["reason"] for r in jsonl(tmp_path / "out" / "rejected.jsonl")}
    assert "'{{name}}' at column 6" in reasons["DP418"]
    assert "'You matter.'" in reasons["DP420"] and "40 times" in reasons["DP420"]


def test_mojibake_is_left_alone_in_accented_text() -> None:
    for text in ("Café crème, naïve résumé — “quoted”", "São Paulo é grande", "Tiếng Việt có dấu", "x² ≤ r²"):
        assert junk.mojibake_in(text) is None, text


def test_a_star_rating_is_an_answer_and_a_dot_is_not() -> None:
    # T0's app_reviews_convert_to_star_rating: the label is the stars (201 records were dropped as DP403).
    assert "DP403" not in _codes("How would you rate this review? Great app, works offline.", "★★★★★")
    assert "DP403" in _codes("How would you rate this review?", "...")


def test_dp408_leaves_complete_answers_without_a_full_stop() -> None:
    # Real shapes from OASST and LLaMA-Factory answers that the first DP408 called cut off.
    intro = "Here is what I would suggest after reading your question carefully and thinking it over for a while:"
    outline = intro + "\n\nI. Introduction\nA. Overview of the use of time as a metaphor in The Great Gatsby"
    listed = intro + "\n\n- Ask for opinions on forums\n- You could publish it on social media, such as twitter"
    signed = intro + "\n\nI look forward to watching you change the world.\n\nSincerely,\nYour past self"
    command = intro + "\n\nInstall the client libraries by running this in your terminal:\n\npip install gspread"
    for answer in (outline, listed, signed, command):
        assert not looks_truncated(answer), answer[-40:]
    cut = intro + " the first thing to do is to open the console and choose the bucket where your data is kept and"
    assert looks_truncated(cut)


def test_ai_boilerplate_is_dropped_and_a_stock_refusal_only_reported() -> None:
    # The brief's own example passed the first DP407; "As an AI language model, I can help…" refuses nothing.
    assert "DP407" in _codes("Plan my trip.", "As an AI language model, I don't have preferences, but here is a plan.")
    assert "DP431" in _codes("How do I pick a lock?", "I'm sorry, but I can't assist with that.")
    assert not {"DP407", "DP431"} & set(_codes("Plan my trip.", "As an AI language model, I can help you plan it."))
    assert not {"DP407", "DP431"} & set(_codes("Classify it.", "Negative: the guest wrote \"I'm sorry, but I cannot "
                                                                "recommend this hotel\"."))


def test_a_placeholder_finding_masks_a_secret_beside_it() -> None:
    found = dict(content.findings(_pair("Write it.", "Dear {{name}}, your key is AKIAIOSFODNN7EXAMPLE, keep it.")))
    assert "'{{name}}' at column 6" in found["DP418"] and "AKIA…[masked]" in found["DP418"]
    assert "AKIAIOSFODNN7EXAMPLE" not in found["DP418"]
