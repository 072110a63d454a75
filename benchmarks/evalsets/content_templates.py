"""DP406 set: chat-template tokens left in a record, against text that shows, names or resembles them.

Why: a record exported from another training stack keeps that stack's template (`<|im_start|>`, `[INST]`,
`<<SYS>>`, Llama 2's `<s>`/`</s>`, Anthropic's `\\n\\nHuman:`/`\\n\\nAssistant:`) and the model learns to emit it.
Each item's text is the record's texts joined by a newline, as `dataprep.checks.content.findings` joins them.

Real positives: HH-RLHF transcripts turned into prompt/completion pairs the way users do (the prompt is the
transcript up to its last `\\n\\nAssistant:`), HH answers that hold a speaker label of the template
(`Human: …` inside an assistant turn), LLaMA-Factory KTO answers with a `</s>` or `<|user|>` where turns were
concatenated. Planted positives (seed 406): real Alpaca pairs wrapped in ChatML, Llama 2, Llama 3, Mistral,
Zephyr, Phi-3 and Gemma templates, or two documents joined by `<|endoftext|>`. A marker at the very end of a
turn is DP416's (the build strips it) and is left out of this set.

Hard negatives, real: GSM8K calculator annotations `<<48/2=24>>`, C++ `#include <string>`/`<sstream>`,
`cout<<`, HTML `<script>`/`<style>`/`<strong>`, bracketed labels (`[SPOILER]`, `[QUESTION]`, `[RESERVED]`), a
task's own `<sep>` field separator, `User:`/`System:`/`Assistant:` as words (`class User:`, `Solar System:`),
a prompt format shown in a code block. Planted (seed 4060): templates shown in fenced blocks and code spans
(teaching a prompt format), HTML `<s>` strike-through, prose that names a token in quotes (negative by
decision: the text is about the token), a dialogue script with a speaker called Human (negative by decision).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet

_HH_PATH = "hh-rlhf-harmless-test/harmless-base-test.jsonl"
_LAST_ASSISTANT = "\n\nAssistant:"
_SPEAKER_IN_ANSWER = re.compile(r"(?m)^\s*(?:Human|Assistant):|\s\n(?:Human|Assistant):")
# Real near misses: (pattern, cap, why). First match per answer, at most `cap` answers per pattern.
_NEAR_MISSES: tuple[tuple[str, int, str], ...] = (
    (r"#include <s\w+>", 30, "C++ `#include <string>`/`<sstream>`-style headers, not Llama 2's `<s>`"),
    (r"<<\s*\"|cout\s*<<|<<\s*(?:EOF|endl)", 20, "C++ stream `<<` or a shell heredoc, not `<<SYS>>`"),
    (r"<(?:script|style|strong|span|sub|sup|small|select|section|svg)\b", 30,
     "HTML elements starting with `<s`, not Llama 2's `<s>`"),
    (r"\[(?:SPOILER|QUESTION|TEACHER|ANSWER|RESERVED|ALERT|SOURCE|LINK|INSTRUCTIONS|CONFIDENCE)\b", 30,
     "a bracketed label of the text itself, not `[INST]`"),
    (r"(?s)```[^`]*\n\nHuman:[^`]*```", 5, "a prompt format shown inside a code block (teaching it)"),
    (r"<sep>", 10, "the `<sep>` field separator of a task's own input (Natural Instructions), part of the data"),
    (r"\b(?:class User|System|Argo AI|Universe Assistant|User):", 20,
     "`User:`/`System:`/`Assistant:` as ordinary words or code, not a template's turn marker"),
)


def hh_prompts(corpora: Path) -> Iterator[tuple[str, str, int]]:
    """(source, prompt + newline + answer, human turns) of each HH chosen transcript cut at its last Assistant."""
    with open(corpora / _HH_PATH, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            chosen = json.loads(raw)["chosen"]
            cut = chosen.rfind(_LAST_ASSISTANT)
            if cut > 0:
                prompt, answer = chosen[: cut + len(_LAST_ASSISTANT)], chosen[cut + len(_LAST_ASSISTANT):].strip()
                if answer:
                    yield f"corpus:{_HH_PATH}:{line}", f"{prompt}\n{answer}", chosen.count("\n\nHuman:")


def hh_turn_pairs(corpora: Path) -> Iterator[tuple[str, str, str]]:
    """(source, human turn, the assistant turn after it) of every HH transcript, chosen and rejected sides."""
    with open(corpora / _HH_PATH, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            record = json.loads(raw)
            for side in ("chosen", "rejected"):
                parts = re.split(r"\n\n(Human|Assistant): ", record[side])[1:]
                for k in range(0, len(parts) - 3, 2):
                    if parts[k] == "Human" and parts[k + 2] == "Assistant":
                        yield f"corpus:{_HH_PATH}:{line}", parts[k + 1].strip(), parts[k + 3].strip()


def template_set(corpora: Path, llama_factory: Path, codegen: Path) -> ItemSet:
    out = ItemSet()
    _real_positives(out, corpora, llama_factory)
    _plant_templates(out, llama_factory, random.Random(406))
    _real_near_misses(out, corpora, llama_factory, codegen)
    _plant_lookalikes(out, llama_factory, random.Random(4060))
    return out


def _real_positives(out: ItemSet, corpora: Path, llama_factory: Path) -> None:
    multi = single = 0
    for source, text, humans in hh_prompts(corpora):
        if humans >= 2 and multi < 150:
            multi += out.add(text, True, "an HH-RLHF multi-turn transcript in Anthropic's `\\n\\nHuman:`/"
                             "`\\n\\nAssistant:` template pasted into one prompt", source)
        elif humans == 1 and single < 30:
            single += out.add(text, True, "an HH-RLHF prompt that keeps Anthropic's `\\n\\nHuman:`/`\\n\\nAssistant:` "
                              "markers around a single question", source)
    for source, human, answer in hh_turn_pairs(corpora):
        if _SPEAKER_IN_ANSWER.search(answer):
            out.add(f"{human}\n{answer}", True, "read: the assistant turn holds the transcript's own `Human:`/"
                    "`Assistant:` speaker label (a turn boundary of the template left inside the answer)", source)
    for source, text in src.lf_sharegpt_answers(llama_factory, "kto_en_demo.json"):
        if re.search(r"</s>\s*\S", text) or "<|user|>" in text:
            token = "</s>" if "</s>" in text else "<|user|>"
            out.add(text, True, f"read: `{token}` left inside the answer where turns of another template were "
                    "concatenated", source)


def alpaca_pairs(llama_factory: Path) -> list[tuple[str, str]]:
    """(instruction with its input, output) of the Alpaca demo, short prose only, in file order."""
    records = json.loads((llama_factory / "alpaca_en_demo.json").read_text(encoding="utf-8"))
    pairs = []
    for record in records:
        prompt = f"{record['instruction']}\n{record['input']}".strip()
        answer = str(record["output"]).strip()
        if 3 <= len(answer.split()) <= 120 and not re.search(r"[<>\[\]`]", prompt + answer):
            pairs.append((prompt, answer))
    return pairs


# Templates of other models' chat formats: (name, user text, answer) with {q} the prompt and {a} the answer.
_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("ChatML", "<|im_start|>user\n{q}<|im_end|>", "<|im_start|>assistant\n{a}"),
    ("ChatML", "{q}", "{a}<|im_end|>\n<|im_start|>user\nThanks!"),
    ("Llama 2", "<s>[INST] {q} [/INST]", "{a}"),
    ("Llama 2", "[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n{q} [/INST]", "{a}"),
    ("Llama 2", "{q}", "{a} </s><s>[INST] Can you say more? [/INST]"),
    ("Llama 3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{q}<|eot_id|>", "{a}"),
    ("Llama 3", "{q}", "<|start_header_id|>assistant<|end_header_id|>\n\n{a}"),
    ("Mistral", "[INST] {q} [/INST]", "{a}"),
    ("Zephyr", "<|user|>\n{q}</s>\n<|assistant|>", "{a}"),
    ("Phi-3", "<|user|>\n{q}<|end|>\n<|assistant|>", "{a}"),
    ("Gemma", "<start_of_turn>user\n{q}<end_of_turn>\n<start_of_turn>model", "{a}"),
    ("GPT-2 document separator", "{q}", "{a}<|endoftext|>{a2}"),
    ("Anthropic", "{q}", "{a}\n\nHuman: Thanks. One more question.\n\nAssistant: Sure."),
)


def _plant_templates(out: ItemSet, llama_factory: Path, rng: random.Random) -> None:
    pairs = alpaca_pairs(llama_factory)
    rng.shuffle(pairs)
    for n, (q, a) in enumerate(pairs[:130]):
        name, user, answer = _TEMPLATES[n % len(_TEMPLATES)]
        a2 = pairs[-1 - n][1]
        text = user.format(q=q) + "\n" + answer.format(a=a, a2=a2)
        out.add(text, True, f"planted: a real Alpaca pair with {name} template tokens left in", "planted")


def _real_near_misses(out: ItemSet, corpora: Path, llama_factory: Path, codegen: Path) -> None:
    taken = [0] * len(_NEAR_MISSES)
    texts: list[tuple[str, str]] = list(src.all_answers(corpora, llama_factory, codegen))
    texts += list(src.codegen_prompts(codegen))
    for name in ("glaive_toolcall_en_demo.json", "dpo_en_demo.json", "kto_en_demo.json"):
        texts += list(src.lf_user_turns(llama_factory, name))
    for source, text in texts:
        if any(m in text for m in ("<|", "[INST]", "<<SYS>>", "\n\nHuman:", "\n\nAssistant:", "<s>", "</s>")) \
                and "```" not in text:
            continue  # a real template token (outside code): not a look-alike
        for k, (pattern, cap, why) in enumerate(_NEAR_MISSES):
            if taken[k] < cap and re.search(pattern, text):
                taken[k] += out.add(text, False, f"read: {why}", source)
                break
    for source, text in gsm8k_answers(corpora):
        if sum(1 for i in out.items if "gsm8k" in str(i["source"])) >= 30:
            break
        out.add(text, False, "read: GSM8K calculator annotations `<<48/2=24>>`, not `<<SYS>>`", source)


def gsm8k_answers(corpora: Path) -> Iterator[tuple[str, str]]:
    """The reference answers of the Bedrock RFT GSM8K sample (with `<<a*b=c>>` calculator annotations)."""
    path = corpora / "bedrock-samples" / "rft-gsm8k" / "rft_train_data.jsonl"
    with open(path, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            record = json.loads(raw)
            text = f"{record['messages'][0]['content']}\n{record['reference_answer']}"
            yield f"corpus:bedrock-samples/rft-gsm8k/rft_train_data.jsonl:{line}", text


_SHOWN = (
    ("ChatML", "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{q}<|im_end|>\n"
     "<|im_start|>assistant\n"),
    ("Llama 2", "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\n{q} [/INST]"),
    ("Llama 3", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{q}<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>"),
    ("Anthropic's legacy", "\n\nHuman: {q}\n\nAssistant:"),
    ("Mistral", "<s>[INST] {q} [/INST]"),
)
_NAMED = (
    'GPT-2 separates documents with the "<|endoftext|>" token.',
    "In ChatML every message starts with '<|im_start|>' followed by the role.",
    'Llama 2 wraps the system prompt in "<<SYS>>" and "<</SYS>>" inside the first "[INST]" block.',
    "The special token \"<|eot_id|>\" ends a turn in Llama 3's format.",
    "Claude's old text-completion API expected prompts to start with \"\\n\\nHuman:\" and end with "
    "\"\\n\\nAssistant:\".",
    "Mistral's instruction format marks the user message with '[INST]' and '[/INST]'.",
    'The tokenizer adds the beginning-of-sequence token "<s>" at the start of every sequence.',
)
_STRIKE = ("The price was <s>$49</s> $39 this week.", "Meeting moved to <s>Monday</s> Tuesday.",
           "Our team: Ana, <s>Ben</s>, Chloe.", "Version <s>1.2</s> 1.3 fixes the bug.",
           "Use <s>strikethrough</s> to show a deleted word in HTML.")
_SCRIPT = ("Robot: Good morning. I have prepared your schedule.\n\nHuman: Thank you. What is first?\n\n"
           "Robot: A walk in the park at nine.",
           "Write a short scene between a robot and a human.\nRobot: Are you tired?\n\nHuman: A little. "
           "Can you dim the lights?\n\nRobot: Of course.")


def _plant_lookalikes(out: ItemSet, llama_factory: Path, rng: random.Random) -> None:
    pairs = alpaca_pairs(llama_factory)
    rng.shuffle(pairs)
    for n, (q, _a) in enumerate(pairs[:60]):
        name, shown = _SHOWN[n % len(_SHOWN)]
        prompt = f"How do I format a prompt for {name} models?"
        body = shown.format(q=q)
        # Inline, documentation writes the template's newlines as `\n` (a code span cannot hold a blank line).
        answer = (f"Use this layout:\n\n```\n{body}\n```\n\nThe model writes its answer after the last line."
                  if n % 3 else f"Send the text `{body.strip().replace(chr(10), chr(92) + 'n')}` and the model "
                  "completes it.")
        out.add(f"{prompt}\n{answer}", False, f"planted: the answer shows the {name} template inside "
                f"{'a code block' if n % 3 else 'a code span'} (teaching the format)", "planted")
    for n in range(35):
        q, a = pairs[60 + n]
        named = _NAMED[n % len(_NAMED)]
        out.add(f"What does this token do?\n{named} {a}" if n % 2 else f"{q}\n{named}", False,
                "planted: prose that names a template token in quotes; the text is about the token (negative "
                "by decision)", "planted")
    for n in range(15):
        q, a = pairs[100 + n]
        out.add(f"{q}\n{a} {_STRIKE[n % len(_STRIKE)]}", False, "planted: HTML `<s>…</s>` strike-through",
                "planted")
    for n, script in enumerate(_SCRIPT * 5):
        q, _a = pairs[120 + n]
        out.add(f"{script}\n\n{q}" if n >= 2 else script, False, "planted: a dialogue script whose speaker is "
                "called Human (negative by decision: the task asked for the dialogue)", "planted")
