"""Writes the evaluation sets of the SFT junk and pre-training text-quality detectors (#12), reproducibly.

Why a script: each label must be traceable to the record it came from and the sets regenerated when a source
moves, so no JSONL is edited by hand: the label tables live in the builder modules beside this file.

- DP418 template placeholders in answers (`junk_markers.py`), DP416 end-of-sequence markers ending a turn
  (`junk_eos.py`), DP419 mojibake (`junk_mojibake.py`), DP420 degenerate repetition (`junk_loops.py`), DP408
  truncated answers (`junk_truncation.py`), DP412 pre-training chunks not worth training on
  (`junk_pretraining.py`). Real items first; planted ones (source "planted") only where real data runs out.

Sources: the shared corpora folder (`--corpora`), LLaMA-Factory's `data/` folder (`--llama-factory-data`,
https://github.com/hiyouga/LLaMA-Factory) and lingua-py's `language-testdata/sentences/` folder (`--lingua`,
https://github.com/pemistahl/lingua-py) and GPTeacher's `Codegen/codegen-instruct.json` (`--gpteacher-codegen`,
https://github.com/teknium1/GPTeacher, code answers). Fixed seeds, files read in sorted order.

    python benchmarks/evalsets/make_junk_sets.py --corpora DIR --llama-factory-data DIR --lingua DIR \
        --gpteacher-codegen FILE [--only DP419]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from junk_eos import eos_set  # noqa: E402  (sibling modules of this script)
from junk_items import ItemSet, write_sets  # noqa: E402
from junk_loops import loop_set  # noqa: E402
from junk_markers import placeholder_set  # noqa: E402
from junk_mojibake import mojibake_set  # noqa: E402
from junk_pretraining import pretraining_set  # noqa: E402
from junk_truncation import truncation_set  # noqa: E402


def _builders(args: argparse.Namespace) -> dict[str, Callable[[], ItemSet]]:
    corpora, lf, lingua, code = args.corpora, args.llama_factory_data, args.lingua, args.gpteacher_codegen
    return {
        "DP418": lambda: placeholder_set(corpora, lf, code),
        "DP416": lambda: eos_set(corpora, lf, code),
        "DP419": lambda: mojibake_set(corpora, lf, lingua),
        "DP420": lambda: loop_set(corpora, lf, code),
        "DP408": lambda: truncation_set(corpora, lf, code),
        "DP412": lambda: pretraining_set(corpora),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, required=True, help="the shared corpora folder")
    parser.add_argument("--llama-factory-data", type=Path, required=True,
                        help="the data/ folder of hiyouga/LLaMA-Factory")
    parser.add_argument("--lingua", type=Path, required=True,
                        help="the language-testdata/sentences/ folder of pemistahl/lingua-py")
    parser.add_argument("--gpteacher-codegen", type=Path, required=True,
                        help="Codegen/codegen-instruct.json of teknium1/GPTeacher")
    parser.add_argument("--only", default="", help="comma-separated codes to rebuild (default: all six)")
    args = parser.parse_args()
    write_sets(_builders(args), HERE, args.only)


if __name__ == "__main__":
    main()
