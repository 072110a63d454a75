"""DP416 set: end-of-sequence markers left at the end of a turn, and the closing tags and prose that look alike.

Why: every T0 completion in the shared corpora ends with GPT-2's `<|endoftext|>` (a real, large positive
source); the other chat templates' markers (`</s>`, `<|im_end|>`, `<|eot_id|>`, `[/INST]`, `<eos>`,
`<end_of_turn>`, `###eos_token###`) are planted at the end of real answers. Hard negatives: real SageMaker
worker templates and answers that end with an HTML/XML closing tag, and written turns that end by naming a
marker in prose or code, HTML strike-through `<s>...</s>`, BBCode `[/quote]`.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet

MARKERS = ("###eos_token###", "</s>", "<|im_end|>", "<|eot_id|>", "[/INST]", "<eos>", "<end_of_turn>",
           "<|endoftext|>", "<|end|>", "<|end_of_text|>")
_JOINS = ("", " ", "\n", "", "\n\n")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_CLOSING = re.compile(r"(</[A-Za-z][\w:-]*>|/>|-->)\s*$")
# Turns that end with a marker-looking string that is not an end-of-sequence marker left by a pipeline.
_LOOKALIKES = (
    ("Most Llama 2 chat models close a user turn with `[/INST]`", "names the marker in inline code"),
    ("The tokenizer's end-of-sequence token for T5 is `</s>`", "names the marker in inline code"),
    ("In ChatML each message ends with the special token `<|im_end|>`", "names the marker in inline code"),
    ("Llama 3 marks the end of a turn with `<|eot_id|>`", "names the marker in inline code"),
    ("Gemma's chat template closes every turn with `<end_of_turn>`", "names the marker in inline code"),
    ("The old price was <s>$49</s>", "HTML strike-through `<s>...</s>`"),
    ("Use <s>strikethrough</s>", "HTML strike-through `<s>...</s>`"),
    ("[quote=Sam]I agree with this.[/quote]", "BBCode quote closing `[/quote]`"),
    ("[b]Bold text[/b] and [i]italics[/i]", "BBCode closing tags"),
    ("<p>Your order has shipped.</p>", "an HTML paragraph"),
    ("<span class=\"badge\">New</span>", "an HTML span"),
    ("<note><to>Tove</to><from>Jani</from></note>", "an XML document"),
    ("<svg width=\"10\" height=\"10\"><circle r=\"4\"/></svg>", "an SVG element"),
    ("```html\n<script src=\"app.js\"></script>\n```", "code ending in `</script>`, fenced"),
    ("When generation is finished, the model emits </s>", "a sentence about the marker, naming it"),
    ("Mistral's prompt format wraps the user message in [INST] and [/INST]", "a sentence about the marker"),
    ("GPT-2 separates the documents of its training data with <|endoftext|>", "a sentence about the marker"),
    ("A Qwen chat turn starts with <|im_start|> and ends with <|im_end|>", "a sentence about the marker"),
    ("<ul>\n  <li>Milk</li>\n  <li>Eggs</li>\n</ul>", "an HTML list"),
    ("<pre><code>print('hi')</code></pre>", "an HTML code block"),
    ("<table><tr><td>1</td><td>2</td></tr></table>", "an HTML table"),
    ("<!DOCTYPE html>\n<html>\n<body>\n<h1>Hi</h1>\n</body>\n</html>", "a whole HTML page"),
    ("See <a href=\"https://example.com/docs\">the docs</a>", "an HTML link"),
    ("<?xml version=\"1.0\"?>\n<config><debug>false</debug></config>", "an XML configuration"),
    ("Line one<br/>\nLine two<br/>", "HTML line breaks"),
)
_LOOKALIKE_LEADS = ("Sure.", "Here is the answer.", "Good question!", "Yes.", "To summarise:", "For example:",
                    "In short:", "Note:", "Right.", "As an illustration:")


def eos_set(corpora: Path, llama_factory: Path, codegen: Path | None = None) -> ItemSet:
    out = ItemSet()
    per_file: dict[str, int] = {}
    for source, text in src.t0_completions(corpora):
        name = source.rsplit(":", 1)[0]
        if text.endswith("<|endoftext|>") and len(text.split()) >= 3 and per_file.get(name, 0) < 1 and \
                out.add(text, True, "a T0 completion ending with GPT-2's `<|endoftext|>` marker", source):
            per_file[name] = 1
    for source, text in src.lf_sharegpt_answers(llama_factory, "kto_en_demo.json"):
        if re.search(r"</s>\s", text):
            out.add(text, True, "`</s>` left where concatenated turns were joined: the end of a turn inside "
                    "the message", source)
    _plant_markers(out, corpora, llama_factory, random.Random(416))
    _real_closing_tags(out, corpora, llama_factory, codegen)
    _written_lookalikes(out, random.Random(4160))
    return out


def _plant_markers(out: ItemSet, corpora: Path, llama_factory: Path, rng: random.Random) -> None:
    answers = [t for _, t in src.oasst_answers(corpora)] + [t for _, t in src.lf_alpaca_answers(llama_factory)]
    answers = [t for t in answers if 5 <= len(t.split()) <= 150 and not _CLOSING.search(t) and "<" not in t]
    rng.shuffle(answers)
    for n, text in enumerate(answers[:150]):
        marker = MARKERS[n % 8] if n < 136 else MARKERS[8 + n % 2]
        join = _JOINS[n % len(_JOINS)]
        tail = "\n" if n % 7 == 3 else ""
        out.add(text.rstrip() + join + marker + tail, True,
                f"planted: {marker} left at the end of a real answer", "planted")


def _real_closing_tags(out: ItemSet, corpora: Path, llama_factory: Path, codegen: Path | None) -> None:
    for source, page in src.sagemaker_pages(corpora):
        for block in _FENCE.finditer(page):
            code = block.group(2).rstrip()
            if _CLOSING.search(code):
                line = page.count("\n", 0, block.start()) + 1
                before = page[: block.start()].rstrip().rsplit("\n\n", 1)[-1].strip()
                out.add(f"{before}\n\n{code}".strip(), False, f"markup ending in its closing tag "
                        f"{_CLOSING.search(code).group().strip()} (a SageMaker example, unfenced as "  # type: ignore[union-attr]
                        "answers often are)", f"{source}:{line}")
    for source, text in src.all_answers(corpora, llama_factory, codegen):
        if (found := _CLOSING.search(text.rstrip("`\n "))) and "</s>" not in text[-8:]:
            out.add(text, False, f"a real answer whose code/markup ends with the closing tag {found.group()}", source)
    for source, text in src.codegen_prompts(codegen) if codegen else ():
        if found := _CLOSING.search(text):
            out.add(text, False, f"a real user turn quoting markup that ends with {found.group()}", source)


def _written_lookalikes(out: ItemSet, rng: random.Random) -> None:
    for n in range(170):
        text, kind = _LOOKALIKES[n % len(_LOOKALIKES)]
        lead = _LOOKALIKE_LEADS[rng.randrange(len(_LOOKALIKE_LEADS))]
        out.add(f"{lead} {text}" if n % 2 else f"{lead}\n\n{text}", False,
                f"planted: the turn ends with {kind}, not a leftover end-of-sequence marker", "planted")
