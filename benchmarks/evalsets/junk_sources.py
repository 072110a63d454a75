"""Readers of the real answers and documents the junk and text-quality evaluation sets are cut from.

Why a module of its own: the six sets of `make_junk_sets.py` read the same corpora (the shared folder and
LLaMA-Factory's `data/`), and every item must name the exact record it came from. Each reader yields
`(source, text)` in file order (files sorted), so the sets are the same on every run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

Source = tuple[str, str]
_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


def oasst_answers(corpora: Path) -> Iterator[Source]:
    """Every assistant message of the OASST en_100 trees, depth first."""

    def walk(message: dict[str, object]) -> Iterator[dict[str, object]]:
        yield message
        for reply in message.get("replies", []):  # type: ignore[union-attr]
            yield from walk(reply)  # type: ignore[arg-type]

    path = corpora / "oasst-en100-trees" / "en_100_tree.jsonl"
    with open(path, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            for message in walk(json.loads(raw)["prompt"]):
                if message["role"] == "assistant":
                    yield f"corpus:oasst-en100-trees/en_100_tree.jsonl:{line}", str(message["text"])


def hh_answers(corpora: Path) -> Iterator[Source]:
    """The last assistant turn of each HH-RLHF harmless-base test transcript (chosen side)."""
    path = corpora / "hh-rlhf-harmless-test" / "harmless-base-test.jsonl"
    with open(path, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            parts = _HH_TURN.split(json.loads(raw)["chosen"])
            if len(parts) >= 3 and parts[-2] == "Assistant":
                yield f"corpus:hh-rlhf-harmless-test/harmless-base-test.jsonl:{line}", parts[-1].strip()


def gpteacher_answers(corpora: Path) -> Iterator[Source]:
    path = corpora / "gpteacher-toolformer" / "toolformer-dedupe-only-dataset.json"
    for index, record in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        yield f"corpus:gpteacher-toolformer/{path.name}:{index}", str(record["response"])


def sharegpt_answers(corpora: Path) -> Iterator[Source]:
    path = corpora / "fastchat-sharegpt-dummy" / "dummy_conversation.json"
    for index, record in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        for turn in record["conversations"]:
            if turn["from"] == "gpt":
                yield f"corpus:fastchat-sharegpt-dummy/{path.name}:{index}", str(turn["value"])


def t0_completions(corpora: Path) -> Iterator[Source]:
    for path in sorted((corpora / "t0-prompt-completion").glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line, raw in enumerate(handle, 1):
                yield f"corpus:t0-prompt-completion/{path.name}:{line}", json.loads(raw)["completion"]


def _lf(llama_factory: Path, name: str) -> list[dict[str, object]]:
    return json.loads((llama_factory / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def lf_alpaca_answers(llama_factory: Path, name: str = "alpaca_en_demo.json") -> Iterator[Source]:
    for index, record in enumerate(_lf(llama_factory, name)):
        yield f"LLaMA-Factory/data/{name}:{index}", str(record["output"])


def lf_sharegpt_answers(llama_factory: Path, name: str) -> Iterator[Source]:
    """The gpt/assistant turns of a LLaMA-Factory sharegpt-format demo (glaive, dpo chosen and rejected, kto)."""
    for index, record in enumerate(_lf(llama_factory, name)):
        turns = list(record.get("conversations", record.get("messages", [])))  # type: ignore[call-overload]
        turns += [record[side] for side in ("chosen", "rejected") if side in record]
        for turn in turns:
            role = turn.get("from", turn.get("role"))
            if role in ("gpt", "assistant"):
                yield f"LLaMA-Factory/data/{name}:{index}", str(turn.get("value", turn.get("content")))


def lf_user_turns(llama_factory: Path, name: str) -> Iterator[Source]:
    """The human/user turns of a LLaMA-Factory sharegpt-format demo."""
    for index, record in enumerate(_lf(llama_factory, name)):
        for turn in record.get("conversations", record.get("messages", [])):  # type: ignore[attr-defined]
            if turn.get("from", turn.get("role")) in ("human", "user"):
                yield f"LLaMA-Factory/data/{name}:{index}", str(turn.get("value", turn.get("content")))


def codegen_answers(codegen: Path) -> Iterator[Source]:
    """GPTeacher's Codegen-Instruct responses (code answers), from `Codegen/codegen-instruct.json`."""
    for index, record in enumerate(json.loads(codegen.read_text(encoding="utf-8"))):
        yield f"GPTeacher/Codegen/codegen-instruct.json:{index}", str(record["response"])


def codegen_prompts(codegen: Path) -> Iterator[Source]:
    """GPTeacher's Codegen-Instruct user turns (instruction and input)."""
    for index, record in enumerate(json.loads(codegen.read_text(encoding="utf-8"))):
        text = f"{record['instruction']}\n{record['input']}".strip()
        yield f"GPTeacher/Codegen/codegen-instruct.json:{index}", text


def all_answers(corpora: Path, llama_factory: Path, codegen: Path | None = None) -> Iterator[Source]:
    """Every real assistant answer the sets draw on, corpus by corpus in a fixed order (Codegen last)."""
    yield from oasst_answers(corpora)
    yield from hh_answers(corpora)
    yield from gpteacher_answers(corpora)
    yield from sharegpt_answers(corpora)
    yield from lf_alpaca_answers(llama_factory)
    for name in ("glaive_toolcall_en_demo.json", "dpo_en_demo.json", "kto_en_demo.json"):
        yield from lf_sharegpt_answers(llama_factory, name)
    if codegen is not None:
        yield from codegen_answers(codegen)


def sagemaker_pages(corpora: Path) -> Iterator[Source]:
    """Each SageMaker developer guide page as markdown, in file-name order."""
    for path in sorted((corpora / "aws-sagemaker-devguide-md" / "doc_source").glob("*.md")):
        yield f"corpus:aws-sagemaker-devguide-md/doc_source/{path.name}", path.read_text(encoding="utf-8")


def lingua_sentences(lingua: Path, lang: str) -> Iterator[Source]:
    """lingua-py's test sentences of one language (one a line)."""
    path = lingua / f"{lang}.txt"
    with open(path, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            yield f"lingua-py/language-testdata/sentences/{lang}.txt:{line}", raw.strip()
