"""DP405 set: answers that repeat the prompt, against answers that legitimately restate or copy from it.

Why: a conversion that maps the prompt column twice, or a generator that echoed its input, leaves records
whose answer is the prompt again, and the model learns to echo. Items keep the prompt (field `prompt`, the
user turn) and, where the instruction lives there, the system prompt (field `system`).

Real positives are few: HH-RLHF assistant turns that are the human turn again (one behind a `Human:` label).
Planted positives (seed 405): real prompts (Alpaca, OASST, HH, GPTeacher, T0) with the prompt as the answer,
exactly or differing only in surrounding whitespace, inner whitespace, case or a speaker prefix.

Hard negatives, real: T0 paraphrase tasks whose paraphrase is closest to its sentence (PAWS, MRPC), T0
extractive answers copied verbatim from the passage, HH answers that restate the question before asking about
it, an Alpaca "organize chronologically" answer and a GPTeacher "fix this code" answer equal to their input.
Decisions: an answer equal to the task's input because the input was already right (in order, correct) is
not an echo, even when the instruction is in the system prompt and the user turn is the input alone (planted,
seed 4050: corrections and "repeat exactly" tasks, where the detector compares with the user turn); a
"repeat after me" answer is what was asked.
"""

from __future__ import annotations

import difflib
import json
import random
import re
from pathlib import Path

import junk_sources as src
from content_empty import PairSet
from content_templates import alpaca_pairs, hh_turn_pairs

_T0 = "t0-prompt-completion"
_PARAPHRASE = ("paws_labeled_final_paraphrase_task.jsonl", "glue_mrpc_generate_paraphrase.jsonl",
               "paws_labeled_final_Rewrite.jsonl", "paws_labeled_final_Rewrite_no_label.jsonl")


def echo_set(corpora: Path, llama_factory: Path, codegen: Path) -> PairSet:
    out = PairSet()
    _real_echoes(out, corpora)
    _plant_echoes(out, corpora, llama_factory, random.Random(405))
    _real_restatements(out, corpora, llama_factory, codegen)
    _plant_restatements(out, llama_factory, random.Random(4050))
    return out


def _real_echoes(out: PairSet, corpora: Path) -> None:
    for source, human, answer in hh_turn_pairs(corpora):
        if answer == human:
            out.add_pair(human, answer, True, "read: the assistant turn is the human turn again", source)
        elif answer.removeprefix("Human:").strip() == human:
            out.add_pair(human, answer, True, "read: the assistant turn is the human turn again behind a `Human:` "
                         "label", source)


def _prompts(corpora: Path, llama_factory: Path) -> list[str]:
    """Real user prompts of five sources, each text once, in a fixed order."""
    texts = [q for q, _ in alpaca_pairs(llama_factory)]
    texts += [h for _, h, _ in hh_turn_pairs(corpora)][:400]
    path = corpora / "gpteacher-toolformer" / "toolformer-dedupe-only-dataset.json"
    texts += [f"{r['instruction']}\n{r['input']}".strip() for r in json.loads(path.read_text(encoding="utf-8"))][:300]
    for name in ("xsum_DOC_tldr.jsonl", "commonsense_qa_answer_to_question.jsonl", "imdb_Reviewer_Enjoyment.jsonl"):
        with open(corpora / _T0 / name, encoding="utf-8") as handle:
            texts += [json.loads(line)["prompt"] for line in handle][:60]
    seen: set[str] = set()
    return [t for t in texts if 3 <= len(t.split()) <= 300 and not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]


# How the planted echo differs from its prompt, and how many of each.
_VARIANTS: tuple[tuple[str, int], ...] = (("exact", 120), ("outer", 30), ("inner", 25), ("case", 15), ("prefix", 15))


def _vary(prompt: str, kind: str, n: int) -> str:
    if kind == "outer":
        return ("\n" if n % 2 else " ") + prompt + ("\n" if n % 3 else "  ")
    if kind == "inner":
        if "\n" in prompt or n % 2:
            return re.sub(r"\s+", "  " if n % 2 else " ", prompt)
        return prompt.replace(" ", "\n", 1)
    if kind == "case":
        return prompt.lower() if prompt != prompt.lower() else prompt.upper()
    if kind == "prefix":
        return ("Human: ", "Q: ", "User: ", "Question: ", "Input: ")[n % 5] + prompt
    return prompt


def _plant_echoes(out: PairSet, corpora: Path, llama_factory: Path, rng: random.Random) -> None:
    prompts = _prompts(corpora, llama_factory)
    rng.shuffle(prompts)
    at = 0
    for kind, count in _VARIANTS:
        for n in range(count):
            prompt = prompts[at]
            at += 1
            answer = _vary(prompt, kind, n)
            assert kind == "exact" or answer != prompt, (kind, prompt)
            out.add_pair(prompt, answer, True, f"planted: the answer is the prompt again ({kind}"
                         f"{'' if kind == 'exact' else ' difference only'})", "planted")


def _t0_rows(corpora: Path, names: tuple[str, ...] | None = None) -> list[tuple[str, str, str]]:
    rows = []
    for path in sorted((corpora / _T0).glob("*.jsonl")):
        if names is not None and path.name not in names:
            continue
        with open(path, encoding="utf-8") as handle:
            for line, raw in enumerate(handle, 1):
                record = json.loads(raw)
                rows.append((f"corpus:{_T0}/{path.name}:{line}", record["prompt"],
                             record["completion"].removesuffix("<|endoftext|>").strip()))
    return rows


def _real_restatements(out: PairSet, corpora: Path, llama_factory: Path, codegen: Path) -> None:
    scored = []
    for source, prompt, answer in _t0_rows(corpora, _PARAPHRASE):
        sentence = prompt.split(":", 1)[-1].strip()
        scored.append((-difflib.SequenceMatcher(None, sentence, answer).ratio(), source, prompt, answer))
    for _, source, prompt, answer in sorted(scored)[:80]:
        out.add_pair(prompt, answer, False, "a T0 paraphrase task: the answer restates the sentence in other "
                     "words, as asked", source)
    per_family: dict[str, int] = {}
    for source, prompt, answer in _t0_rows(corpora):
        family = source.split("/")[1].split("_")[0]
        if len(answer.split()) >= 6 and answer in prompt and per_family.get(family, 0) < 8:
            per_family[family] = per_family.get(family, 0) + out.add_pair(
                prompt, answer, False, "a T0 extractive answer copied verbatim from the passage (a span, not the "
                "prompt)", source)
    for source, human, answer in hh_turn_pairs(corpora):
        question = human.strip().rstrip("?.!").lower()
        if len(question.split()) >= 5 and question in answer.lower() and answer != human:
            out.add_pair(human, answer, False, "read: the answer restates the question, then asks or answers",
                         source)
    for index, record in enumerate(json.loads((llama_factory / "alpaca_en_demo.json").read_text(encoding="utf-8"))):
        if record["input"].strip() and record["output"].strip() == record["input"].strip():
            out.add_pair(f"{record['instruction']}\n{record['input']}", record["output"], False,
                         "read: the sentences were already in chronological order; the answer equals the input, "
                         "not the prompt (negative by decision)", f"LLaMA-Factory/data/alpaca_en_demo.json:{index}")
    for source, text in src.codegen_prompts(codegen):
        record = json.loads(codegen.read_text(encoding="utf-8"))[int(source.rsplit(":", 1)[1])]
        if record["input"].strip() and record["response"].strip() == record["input"].strip():
            out.add_pair(text, record["response"], False, "read: a 'fix this code' answer that returns the input "
                         "code unchanged (it already runs); equal to the input, not the prompt (negative by "
                         "decision)", source)


_CORRECTIONS = ("Correct the grammar and spelling of the user's sentence. If it is already correct, return it "
                "unchanged.", "Fix any typos in the text. Return the text only.",
                "Put the user's sentences in chronological order. Return them only.")
_COPY = "Repeat the user's text exactly, character for character."


def _plant_restatements(out: PairSet, llama_factory: Path, rng: random.Random) -> None:
    answers = [a for _, a in alpaca_pairs(llama_factory) if len(a.split()) <= 40 and "\n" not in a]
    rng.shuffle(answers)
    for n, sentence in enumerate(answers[:30]):
        system = _CORRECTIONS[n % len(_CORRECTIONS)] if n < 20 else _COPY
        out.items.append({"text": sentence, "prompt": sentence, "system": system, "positive": False,
                          "why": "planted: the system prompt asks for a correction or a copy and the input was "
                          "already right; the answer equal to the user turn is correct (negative by decision)",
                          "source": "planted"})
    for n, sentence in enumerate(answers[30:55]):
        lead = ("Repeat after me: ", "Say this back to me exactly: ", "Echo the following line: ")[n % 3]
        out.add_pair(lead + sentence, sentence, False, "planted: a 'repeat after me' request answered with the "
                     "text to repeat, as asked", "planted")
