"""DP418 (template placeholders left in an answer) and DP416 (end-of-sequence markers ending a turn) sets.

Why: both detectors look for literal markup a data pipeline forgot to fill in or strip, and both have
legitimate look-alikes in real answers: `{{ }}` in Jinja, Vue, GitHub Actions or a React `style={{...}}`;
`</s>` in HTML (strike-through), `</script>` ending code, a sentence that names the token. The positives are
real where the public data has them (LLaMA-Factory's identity set, T0's `<|endoftext|>` completions) and
planted into real answers otherwise; the hard negatives are real first, then written look-alikes.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet

_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_PERSON = ("{{name}}", "{{ user }}", "{{user_name}}", "{{ name }}", "{{ customer.first_name }}", "{{NAME}}")
_SELF = ("{{assistant_name}}", "{{ bot_name }}", "{{author}}", "{{AUTHOR}}", "{{name}}")
_THING = ("{{company_name}}", "{{org}}", "{{product}}", "{{city}}", "{{date}}")
# (prefix, suffix, the placeholders that fit) around a real answer; `{p}` is the placeholder.
_PLANT_FRAMES = (
    ("Hello {p}! ", "", _PERSON), ("Hi {p}, thanks for your question. ", "", _PERSON), ("Dear {p},\n\n", "", _PERSON),
    ("As {p}, I can help with that. ", "", _SELF), ("", "\n\nBest regards,\n{p}", _SELF),
    ("", "\n\nI hope this helps! - {p}", _SELF), ("I am {p}, your assistant. ", "", _SELF),
    ("", "\n\nIf you have more questions, ask {p} anytime.", _SELF),
    ("", "\n\nThank you for choosing {p}.", _THING[:3]), ("", "\n\nThis answer applies to {p}.", _THING[2:]),
)
# Legitimate `{{ }}` in code an answer shows; `{v}` is a variable name.
_CODE_NEGATIVES = (
    ("Here is the Jinja template:", "html", "<h1>Hello {{{{ {v} }}}}!</h1>\n{{% for item in items %}}\n"
     "  <li>{{{{ item.title }}}}</li>\n{{% endfor %}}"),
    ("A Handlebars partial for this:", "handlebars", "<div class=\"card\">\n  <h2>{{{{{v}}}}}</h2>\n"
     "  {{{{#if subtitle}}}}<p>{{{{subtitle}}}}</p>{{{{/if}}}}\n</div>"),
    ("In Vue you bind it with the mustache syntax:", "vue", "<template>\n  <p>Welcome, {{{{ {v} }}}}</p>\n"
     "</template>"),
    ("With Go's text/template:", "go", "tmpl := template.Must(template.New(\"t\").Parse(\"Hi {{{{.{V}}}}}\\n\"))\n"
     "tmpl.Execute(os.Stdout, data)"),
    ("The Ansible task reads the variable like this:", "yaml", "- name: Create the user\n"
     "  ansible.builtin.user:\n    name: \"{{{{ {v} }}}}\"\n    state: present"),
    ("To print literal braces in an f-string, double them:", "python", "print(f\"{{{{{v}}}}} = {{{v}}}\")"),
    ("In LaTeX the nested group looks like this:", "latex", "\\newcommand{{\\{v}}}{{{{\\bf #1}}}}\n"
     "\\{v}{{{{text}}}}"),
    ("A GitHub Actions step using the secret:", "yaml", "- run: ./deploy.sh\n  env:\n"
     "    TOKEN: ${{{{ secrets.{V} }}}}"),
    ("In React the inline style is an object inside JSX braces:", "jsx", "<div style={{{{ color: 'red', "
     "fontSize: 12 }}}}>{{{v}}}</div>"),
    ("The nested JSON looks like this:", "json", "{{\"{v}\": {{\"id\": 1, \"tags\": {{\"a\": true}}}}}}"),
    ("With Python's str.format, `{{{{` is a literal brace:", "python", "template = \"{{{{{v}}}}}: {{}}\"\n"
     "print(template.format(42))"),
    ("A Helm chart value:", "yaml", "image: \"{{{{ .Values.{v}.repository }}}}:{{{{ .Values.{v}.tag }}}}\""),
    ("In Angular the interpolation is:", "html", "<span>{{{{ {v} | uppercase }}}}</span>"),
    ("A Mustache template for the e-mail body:", "mustache", "Dear {{{{{v}}}}},\nYour order "
     "{{{{order_id}}}} has shipped."),
    ("The C# format string escapes braces by doubling:", "csharp", "var s = string.Format(\"{{{{{{0}}}}}} {v}\","
     " 5);"),
    ("In Rust, format! escapes braces the same way:", "rust", "println!(\"{{{{}}}} is {{}}\", {v});"),
)
_MATH_NEGATIVES = (
    "The power set of {{1}} is {{∅, {{1}}}}, and the power set of {{a, b}} is {{∅, {{a}}, {{b}}, {{a, b}}}}.",
    "A partition of {{1, 2, 3}} is {{{{1}}, {{2, 3}}}}; there are five partitions in total.",
    "In set-builder notation the answer is {{{{x}} : x ∈ A}}, the set of all singletons of A.",
)
_PER_KIND = 60  # real negatives kept per kind, so nested-brace code does not crowd out the rarer kinds
_VARS = ("name", "user", "title", "author", "username", "customer", "product", "city", "greeting", "value")


def _identity_answers(llama_factory: Path) -> list[tuple[str, str]]:
    rows = [(f"LLaMA-Factory/data/identity.json:{i}", str(r["output"]))
            for i, r in enumerate(json.loads((llama_factory / "identity.json").read_text(encoding="utf-8")))]
    with open(llama_factory / "v1_sft_demo.jsonl", encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            for message in json.loads(raw)["messages"]:
                if message["role"] == "assistant":
                    rows += [(f"LLaMA-Factory/data/v1_sft_demo.jsonl:{line}", str(part["value"]))
                             for part in message["content"] if part.get("type") == "text"]
    return rows


def _real_brace_reason(text: str) -> str | None:
    """Why a real answer's `{{`/`}}` is legitimate, by what surrounds it (None: not a known kind)."""
    if "${{" in text:
        return "GitHub Actions expressions `${{ ... }}` inside a workflow the answer shows"
    if "style={{" in text:
        return "a React inline style object `style={{ ... }}` inside JSX code"
    if re.search(r"\{\{ ?\.{1,3} ?\}\}", text) or "curly braces" in text:
        return "`{{ ... }}` is the task's own notation for the word to tag, quoted by the answer"
    if re.search(r'f"[^"\n]*\{\{', text):
        return "an f-string in code escaping a literal brace as `{{`"
    if re.search(r"\\(frac|sum|int|text)\b", text):
        return "LaTeX math whose nested groups close with `}}`"
    if re.search(r"\{\{\s*-?\d", text):
        return "a nested array/initialiser literal `{{1, 2}, ...}` in code"
    if "```" in text or re.search(r"^\s*(def|class|function|public|int|import|#include)\b", text, re.M):
        return "code whose nested blocks or objects close with `}}`"
    return None


def placeholder_set(corpora: Path, llama_factory: Path, codegen: Path | None = None) -> ItemSet:
    out = ItemSet()
    for source, text in _identity_answers(llama_factory):
        if found := _PLACEHOLDER.search(text):
            out.add(text, True, f"LLaMA-Factory identity template: {found.group()} was never replaced by "
                    "the assistant's real name/author", source)
    _real_brace_negatives(out, corpora, llama_factory, codegen)
    _sagemaker_liquid(out, corpora)
    _plant_placeholders(out, llama_factory, random.Random(418))
    _plant_brace_code(out, random.Random(4180))
    return out


def _real_brace_negatives(out: ItemSet, corpora: Path, llama_factory: Path, codegen: Path | None) -> None:
    """Real answers whose braces or brackets are legitimate, at most `_PER_KIND` of each kind."""
    kinds: Counter[str] = Counter()
    for source, text in src.all_answers(corpora, llama_factory, codegen):
        why = _real_brace_reason(text) if "{{" in text or "}}" in text else None
        if why is None and re.search(r'f"[^"\n]*\{\w+[^}\n]*\}|\$\{\w+\}|\.format\(', text):
            why = "code with single-brace interpolation (f-string, str.format, `${x}`): filled at run time"
        if why is None and re.search(r"\[(Your|Recipient'?s?|Company) [A-Z]?\w*\]", text):
            why = "a drafted letter/e-mail whose bracketed `[Your Name]` fill-ins are for the user; not `{{ }}` residue"
        if why is not None and kinds[why] < _PER_KIND:
            kinds[why] += out.add(text, False, why, source)


def _sagemaker_liquid(out: ItemSet, corpora: Path) -> None:
    for source, page in src.sagemaker_pages(corpora):
        for block in _FENCE.finditer(page):
            if "{{" in block.group(2):
                line = page.count("\n", 0, block.start()) + 1
                before = page[: block.start()].rstrip().rsplit("\n\n", 1)[-1].strip()
                out.add(f"{before}\n\n{block.group()}".strip(), False, "Liquid `{{ ... }}` in a SageMaker Ground "
                        "Truth/A2I worker template (code the answer shows)", f"{source}:{line}")


def _plant_placeholders(out: ItemSet, llama_factory: Path, rng: random.Random) -> None:
    answers = [(s, t) for s, t in src.lf_alpaca_answers(llama_factory) if 20 <= len(t.split()) <= 120
               and "{" not in t and "```" not in t]
    rng.shuffle(answers)
    for n, (_, text) in enumerate(answers[:125]):
        before, after, fits = _PLANT_FRAMES[n % len(_PLANT_FRAMES)]
        placeholder = fits[(n // len(_PLANT_FRAMES)) % len(fits)]
        out.add(before.format(p=placeholder) + text + after.format(p=placeholder), True,
                f"planted: a real Alpaca answer with an unfilled {placeholder} the answer would say as prose",
                "planted")
    identity = ("I am [NAME], an AI assistant developed by [AUTHOR]. How can I help you today?",
                "Hello! My name is [BOT_NAME] and I was created by [COMPANY].")
    for text in identity:
        out.add(text, True, "planted: an identity answer whose bracketed [NAME]/[AUTHOR] was never filled in; "
                "the assistant asserts it as its own name", "planted")


def _plant_brace_code(out: ItemSet, rng: random.Random) -> None:
    for n in range(150):
        intro, lang, code = _CODE_NEGATIVES[n % len(_CODE_NEGATIVES)]
        var = _VARS[rng.randrange(len(_VARS))]
        body = code.format(v=var, V=var.capitalize())
        out.add(f"{intro}\n\n```{lang}\n{body}\n```\n\nThis renders the value at run time.", False,
                f"planted: legitimate {lang} code with `{{{{ }}}}` syntax, not an unfilled placeholder", "planted")
    for text in _MATH_NEGATIVES:
        out.add(text.replace("{{", "{").replace("}}", "}"), False,
                "planted: nested set braces in mathematics, not a template", "planted")
