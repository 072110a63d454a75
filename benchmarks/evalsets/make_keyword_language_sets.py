"""Writes the DP212 (reserved keywords) and DP411 (language) evaluation sets from real records, reproducibly.

Why a script: each item must be traceable to the record it came from, and the sets regenerated when a source
moves. Every text is a user-side text (a user prompt, or the instruction and input of an instruction record):
that is what Nova's keyword rule and dataprep's language decision read.

- DP212 positives: HH-RLHF transcripts as users turn them into prompts (the dialogue up to the last
  `Assistant:`, which holds Nova's `Assistant:`), and the real prompts of the corpora that hold a keyword in its
  documented spelling. Hard negatives: every real user-side text of the corpora whose words come close
  (`invalid user:`, `MOBILE USERS:`, `Image:`, `<file_video>`, `system:` in lower case, `User :`), and HH first
  turns, which carry a speaker label Nova does not reserve (`Human:`).
- DP411 (with `--lang en`: positive = not English): LLaMA-Factory's `alpaca_zh_demo.json` (Chinese) and
  `alpaca_en_demo.json` (English) instructions, OASST prompter messages, HH first human turns (short English),
  GPTeacher instructions. `lang` is the true language of the text.

    python benchmarks/evalsets/make_keyword_language_sets.py --corpora DIR --llama-factory-data DIR
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
Item = dict[str, object]
_NOVA = re.compile(r"(?<!\w)(User:|Bot:|Assistant:|System:|Thought:)|<image>|<video>|\[EOS\]|<unk>")
_NEAR = re.compile(r"(?i)(\w*(user|bot|assistant|system|thought|image|video|eos|unk)\w*)\s?[:>\]]")
_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


def _hh(corpora: Path) -> Iterator[tuple[int, str]]:
    path = corpora / "hh-rlhf-harmless-test" / "harmless-base-test.jsonl"
    with open(path, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            yield line, json.loads(raw)["chosen"]


def _oasst_prompts(corpora: Path) -> Iterator[tuple[int, str]]:
    def walk(message: dict[str, object]) -> Iterator[dict[str, object]]:
        yield message
        for reply in message.get("replies", []):  # type: ignore[union-attr]
            yield from walk(reply)  # type: ignore[arg-type]

    with open(corpora / "oasst-en100-trees" / "en_100_tree.jsonl", encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            for message in walk(json.loads(raw)["prompt"]):
                if message["role"] == "prompter":
                    yield line, str(message["text"])


def _t0_prompts(corpora: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((corpora / "t0-prompt-completion").glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line, raw in enumerate(handle, 1):
                yield f"t0-prompt-completion/{path.name}:{line}", json.loads(raw)["prompt"]


def _gpteacher(corpora: Path) -> Iterator[tuple[str, str]]:
    path = corpora / "gpteacher-toolformer" / "toolformer-dedupe-only-dataset.json"
    for index, record in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        text = f"{record['instruction']}\n{record['input']}".strip()
        yield f"gpteacher-toolformer/{path.name}:{index}", text


def _user_side_texts(corpora: Path) -> Iterator[tuple[str, str]]:
    yield from _t0_prompts(corpora)
    yield from _gpteacher(corpora)
    for line, text in _oasst_prompts(corpora):
        yield f"oasst-en100-trees/en_100_tree.jsonl:{line}", text


def keyword_items(corpora: Path) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for line, chosen in _hh(corpora):
        cut = chosen.rfind("\n\nAssistant:")
        prompt = chosen[: cut + len("\n\nAssistant:")].strip()
        if prompt.count("\n\nAssistant:") >= 1 and prompt not in seen and len(items) < 220:
            seen.add(prompt)
            items.append({"text": prompt, "positive": True, "source": f"hh-rlhf-harmless-test:{line}",
                          "why": "an HH transcript used as a prompt holds 'Assistant:' in Nova's spelling"})
    for source, text in _user_side_texts(corpora):
        if text in seen:
            continue
        if _NOVA.search(text):
            seen.add(text)
            found = _NOVA.search(text)
            assert found is not None
            items.append({"text": text, "positive": True, "source": source,
                          "why": f"a user prompt holding {found.group()!r} in the documented spelling"})
        elif (near := _NEAR.search(text)) is not None:
            seen.add(text)
            items.append({"text": text, "positive": False, "source": source,
                          "why": f"{near.group()!r} is not a reserved keyword as written (case, word, spacing)"})
    for line, chosen in _hh(corpora):
        first = _HH_TURN.split(chosen)
        if len(first) > 2 and sum(1 for i in items if not i["positive"]) < 240:
            text = f"Human: {first[2].strip()}"
            if text not in seen:
                seen.add(text)
                items.append({"text": text, "positive": False, "source": f"hh-rlhf-harmless-test:{line}",
                              "why": "a 'Human:' speaker label: Nova does not reserve it"})
    return items


def language_items(corpora: Path, llama_factory: Path) -> list[Item]:
    items: list[Item] = []

    def add(text: str, lang: str, source: str, why: str) -> None:
        if text.strip():
            items.append({"text": text, "positive": lang != "en", "lang": lang, "source": source, "why": why})

    for name, lang, count in (("alpaca_zh_demo.json", "zh", 400), ("alpaca_en_demo.json", "en", 300)):
        records = json.loads((llama_factory / name).read_text(encoding="utf-8"))
        for index, record in enumerate(records[:count]):
            text = f"{record['instruction']}\n{record['input']}".strip()
            why = "a Chinese instruction (LLaMA-Factory's Chinese Alpaca demo)" if lang == "zh" else \
                "an English instruction (LLaMA-Factory's English Alpaca demo)"
            add(text, lang, f"LLaMA-Factory/data/{name}:{index}", why)
    for n, (line, text) in enumerate(_oasst_prompts(corpora)):
        if n < 200:
            add(text, "en", f"oasst-en100-trees/en_100_tree.jsonl:{line}", "an OASST prompt labelled lang=en")
    for n, (line, chosen) in enumerate(_hh(corpora)):
        parts = _HH_TURN.split(chosen)
        if n < 200 and len(parts) > 2:
            add(parts[2].strip(), "en", f"hh-rlhf-harmless-test:{line}", "a short English first human turn")
    for n, (source, text) in enumerate(_gpteacher(corpora)):
        if n < 100:
            add(text, "en", source, "an English GPTeacher instruction")
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, required=True)
    parser.add_argument("--llama-factory-data", type=Path, required=True,
                        help="the data/ folder of hiyouga/LLaMA-Factory")
    args = parser.parse_args()
    for code, items in (("DP212", keyword_items(args.corpora)),
                        ("DP411", language_items(args.corpora, args.llama_factory_data))):
        path = HERE / f"{code}.jsonl"
        path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        positives = sum(1 for i in items if i["positive"])
        print(f"{path.name}: {positives} positives, {len(items) - positives} negatives")


if __name__ == "__main__":
    main()
