"""Writes the evaluation sets of the answer and record content detectors (#12): DP406, DP407, DP403, DP405.

Why a script: each label must be traceable to the record it came from and the sets regenerated when a source
moves, so no JSONL is edited by hand: the label tables and selection rules live in the builder modules beside
this file (`content_templates.py` DP406 chat-template tokens, `content_refusals.py` DP407 refusal
boilerplate, `content_empty.py` DP403 answers with no content, `content_echo.py` DP405 answers that repeat
the prompt). Real items first; planted ones (source "planted") only where real data runs out.

Items are `{"text", "positive", "why", "source"}`; DP403 and DP405 items also carry the record's `prompt`
(and DP405 sometimes its `system`), because whether an answer is empty or an echo depends on what was asked.
Sources: the shared corpora folder (`--corpora`), LLaMA-Factory's `data/` folder (`--llama-factory-data`,
https://github.com/hiyouga/LLaMA-Factory) and GPTeacher's `Codegen/codegen-instruct.json`
(`--gpteacher-codegen`, https://github.com/teknium1/GPTeacher). Fixed seeds, files read in sorted order.

    python benchmarks/evalsets/make_content_sets.py --corpora DIR --llama-factory-data DIR \\
        --gpteacher-codegen FILE [--only DP406]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from content_echo import echo_set  # noqa: E402  (sibling modules of this script)
from content_empty import empty_set  # noqa: E402
from content_refusals import refusal_set  # noqa: E402
from content_templates import template_set  # noqa: E402
from junk_items import ItemSet, write_sets  # noqa: E402


def _builders(args: argparse.Namespace) -> dict[str, Callable[[], ItemSet]]:
    corpora, lf, code = args.corpora, args.llama_factory_data, args.gpteacher_codegen
    return {
        "DP406": lambda: template_set(corpora, lf, code),
        "DP407": lambda: refusal_set(corpora, lf, code),
        "DP403": lambda: empty_set(corpora, lf),
        "DP405": lambda: echo_set(corpora, lf, code),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, required=True, help="the shared corpora folder")
    parser.add_argument("--llama-factory-data", type=Path, required=True,
                        help="the data/ folder of hiyouga/LLaMA-Factory")
    parser.add_argument("--gpteacher-codegen", type=Path, required=True,
                        help="Codegen/codegen-instruct.json of teknium1/GPTeacher")
    parser.add_argument("--only", default="", help="comma-separated codes to rebuild (default: all four)")
    args = parser.parse_args()
    write_sets(_builders(args), HERE, args.only)


if __name__ == "__main__":
    main()
