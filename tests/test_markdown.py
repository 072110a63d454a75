"""Markdown rendered to plain text for continued pre-training (DP417), on real SageMaker guide pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import build, jsonl, summary_rules

from dataprep.text.markdown import to_text

PAGES = Path(__file__).parent / "data" / "sagemaker"
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)


def _texts(out: Path) -> list[str]:
    return [r["input"] for name in ("train.jsonl", "validation.jsonl") if (out / name).exists()
            for r in jsonl(out / name)]


def test_a_real_page_loses_its_markup_and_keeps_its_code() -> None:
    page = (PAGES / "feature-store-search-metadata.md").read_text(encoding="utf-8")
    text = to_text(page)
    assert '<a name="' in page and "\\." in page and "](" in page
    assert "<a name" not in text and "\\." not in text and "](" not in text and "**" not in text
    assert text.startswith("Find Features in Your Feature Groups\n\nWith Amazon SageMaker Feature Store, you can")
    assert "see Shut down and Update SageMaker Studio." in text  # link text kept, target gone
    assert "Feature name | FeatureName | Yes\nFeature group name | FeatureGroupName | No" in text  # table rows
    blocks = FENCED.findall(page)
    assert blocks and FENCED.findall(text) == blocks  # every code block byte for byte, in order


def test_lists_images_html_and_indented_code() -> None:
    source = ("# Title<a name=\"t\"></a>\n\n![\\[Image NOT FOUND\\]](images/x.png)\n\n+ first \\* item\n"
              "+ second\n  1. nested one\n  1. nested two\n\n<div class=\"note\">Keep <b>this</b></div>\n\n"
              "    indented  code\n    line two\n\nA [link](a.md) and `code  span`.\n")
    assert to_text(source) == ("Title\n\n- first * item\n- second\n  1. nested one\n  2. nested two\n\n"
                               "Keep this\n\n```\nindented  code\nline two\n```\n\nA link and code  span.")


def test_the_build_renders_md_and_counts_it_and_keep_markdown_keeps_it(tmp_path: Path) -> None:
    args = ("--model", "titan-text-express", "--task", "continued-pretraining", "--no-report")
    done = build(PAGES, tmp_path / "out", *args)
    assert done.returncode == 0, done.stderr
    texts = _texts(tmp_path / "out")
    assert len(texts) >= 4 and not any("<a name=" in t or "\\." in t for t in texts)
    assert summary_rules(done.stderr)["DP417"]["fixed"] == 4
    kept = build(PAGES, tmp_path / "kept", *args, "--keep-markdown")
    assert kept.returncode == 0, kept.stderr
    assert sum('<a name="' in t for t in _texts(tmp_path / "kept")) >= 4
    assert "DP417" not in summary_rules(kept.stderr)
    manifest = json.loads((tmp_path / "kept" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["keep_markdown"] is True


def test_ignoring_dp417_in_the_config_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('ignore = ["DP417"]\n', encoding="utf-8")
    page = tmp_path / "raw" / "page.md"
    page.parent.mkdir()
    page.write_bytes((PAGES / "feature-store-search-metadata.md").read_bytes())
    done = build(page.parent, tmp_path / "out", "--model", "titan-text-express", "--task", "continued-pretraining",
                 "--no-report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert all('<a name="' in t for t in _texts(tmp_path / "out"))
