"""DP412 on real documentation: clean pages kept, a scraping loop dropped chunk by chunk (#12 item 7)."""

from __future__ import annotations

from pathlib import Path

from conftest import build, jsonl

from dataprep.checks.text_quality import text_problem

PAGES = Path(__file__).parent / "data" / "sagemaker"
CPT = ("--model", "titan-text-express", "--task", "continued-pretraining", "--no-report")
# The navigation of a scraped docs site, as a crawler that loops on it writes it again and again.
MENU = ("Amazon SageMaker Developer Guide: What is Amazon SageMaker?\n"
        "Get started with Amazon SageMaker and set up your AWS account\n"
        "Amazon SageMaker Studio: the integrated machine learning environment\n"
        "Did this page help you? Provide feedback to improve this documentation\n\n")


def test_clean_pages_with_code_and_tables_are_kept_as_markdown_and_as_text(tmp_path: Path) -> None:
    # The first DP412 dropped all four (30-72% "repeated lines": `},` in code examples, `Yes` in tables).
    for page in sorted(PAGES.glob("*.md")):
        assert text_problem(page.read_text(encoding="utf-8")) is None, page.name
    for flag in ("--no-report", "--keep-markdown"):  # rendered (the default), then as written
        done = build(PAGES, tmp_path / flag, *CPT, flag)
        assert done.returncode == 0, done.stderr
        assert not [r for r in jsonl(tmp_path / flag / "rejected.jsonl") if r["code"] == "DP412"], flag


def test_a_scraping_loop_is_dropped_as_its_own_chunk_and_the_page_is_kept(tmp_path: Path) -> None:
    page = (PAGES / "sms-label-cat-config-attributes.md").read_text(encoding="utf-8")
    raw = tmp_path / "raw" / "scraped.md"
    raw.parent.mkdir()
    raw.write_text(page + "\n\n" + MENU * 120, encoding="utf-8")
    done = build(raw.parent, tmp_path / "out", *CPT)
    assert done.returncode == 0, done.stderr
    dropped = [r for r in jsonl(tmp_path / "out" / "rejected.jsonl") if r["code"] == "DP412"]
    assert dropped and all(r["chunk"] > 0 and "repeated lines" in r["reason"] for r in dropped)
    assert "Did this page help you?" in dropped[0]["original"]
    kept = [r["input"] for name in ("train.jsonl", "validation.jsonl") if (tmp_path / "out" / name).exists()
            for r in jsonl(tmp_path / "out" / name)]
    assert any(t.startswith("Create a Labeling Category Configuration File") for t in kept)


def test_a_line_said_twice_is_not_boilerplate_but_one_said_often_is() -> None:
    procedure = "Choose the training job you want to inspect in the SageMaker console list.\n"
    prose = " ".join(f"Sentence number {i} of a page that says something new each time." for i in range(30))
    assert text_problem(prose + "\n\n" + procedure * 2 + prose) is None  # console and CLI tabs
    assert "repeated lines" in (text_problem(prose + "\n\n" + procedure * 40) or "")


def test_short_documents_are_judged_whole_but_a_short_last_chunk_is_not() -> None:
    stub = "For the latest AWS terminology, see the AWS glossary in the AWS General Reference."
    assert "only 14 words" in (text_problem(stub) or "")
    assert text_problem(stub, whole=False) is None
