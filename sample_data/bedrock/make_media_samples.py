"""Re-create the media and Nova 2 Lite samples under sample_data/bedrock/ from the public corpora.

Usage (from the repository root): python sample_data/bedrock/make_media_samples.py [CORPORA_DIR]
CORPORA_DIR defaults to ../shared/corpora. Output is deterministic (file order, no randomness); see
SOURCE.md beside this script for what each file holds and why.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent
SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT.parents[2] / "shared" / "corpora"
VERSION = "bedrock-conversation-2024"
OWNER = "111122223333"  # the placeholder account id AWS's documentation uses
RESERVED = ("user:", "bot:", "assistant:", "system:", "thought:", "human:", "<image>", "<video>", "[eos]", "<unk>",
            "<|", "|>", "[inst]", "<s>", "<<sys>>")
SUFFIX = ' Let\'s think step by step and output the final answer after "####".'


def _ok(*texts: str) -> bool:
    joined = " ".join(texts)
    return len(joined) < 3000 and not any(token in joined.lower() for token in RESERVED) and all(
        t.strip() for t in texts)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _used_text() -> str:
    """Every text already in sample_data, so a GSM8K problem is taken once only."""
    root = OUT.parent
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(root.rglob("*"))
                     if p.is_file() and p.suffix in (".jsonl", ".json", ".csv")
                     and p.parent.parent.name not in ("nova-2-lite", "images", "video"))


def record(user: list[dict[str, Any]], assistant: list[dict[str, Any]], system: str | None = None) -> str:
    out: dict[str, Any] = {"schemaVersion": VERSION}
    if system:
        out["system"] = [{"text": system}]
    out["messages"] = [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return json.dumps(out, ensure_ascii=False)


def media(kind: str, fmt: str, key: str) -> dict[str, Any]:
    location = {"uri": f"s3://amzn-s3-demo-bucket/{key}", "bucketOwner": OWNER}
    return {kind: {"format": fmt, "source": {"s3Location": location}}}


def nova_2_lite() -> list[str]:
    """200 GSM8K problems no other sample uses: the worked solution as reasoning, the result as the answer."""
    used = _used_text()
    rows = []
    for name in ("rft_train_data.jsonl", "rft_test_validation_data.jsonl"):
        for item in _lines(SRC / "bedrock-samples" / "rft-gsm8k" / name):
            problem = item["messages"][0]["content"].removesuffix(SUFFIX).strip()
            steps, _, result = item["reference_answer"].rpartition("####")
            steps = re.sub(r"<<[^>]*>>", "", steps).strip()
            if problem[:60] in used or not _ok(problem, steps) or not result.strip():
                continue
            rows.append(record([{"text": problem}], [
                {"reasoningContent": {"reasoningText": {"text": steps}}},
                {"text": f"The answer is {result.strip()}."}], system="Solve the problem; give only the result."))
    return rows[:200]


def t0(name: str, limit: int) -> list[tuple[str, str]]:
    pairs = []
    for item in _lines(SRC / "t0-prompt-completion" / name):
        prompt = item["prompt"].strip()
        completion = item["completion"].replace("<|endoftext|>", "").strip()
        if _ok(prompt, completion):
            pairs.append((prompt, completion))
    return pairs[:limit]


def images() -> list[str]:
    """100 cosmos_qa records, each user turn with one image (png or jpeg) before its text."""
    out = []
    for number, (prompt, completion) in enumerate(t0("cosmos_qa_context_description_question_answer_text.jsonl",
                                                     100), 1):
        fmt = "png" if number % 2 else "jpeg"
        image = media("image", fmt, f"images/photo-{number:03d}.{'png' if fmt == 'png' else 'jpg'}")
        out.append(record([image, {"text": prompt}], [{"text": completion}]))
    return out


def video() -> list[str]:
    """20 qasc records, each user turn with one mp4 video before its text."""
    return [record([media("video", "mp4", f"videos/clip-{n:03d}.mp4"), {"text": prompt}], [{"text": completion}])
            for n, (prompt, completion) in enumerate(t0("qasc_qa_with_combined_facts_1.jsonl", 20), 1)]


def main() -> None:
    for folder, rows in (("nova-2-lite", nova_2_lite()), ("images", images()), ("video", video())):
        path = OUT / folder / "bedrock-conversation" / "train.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
        print(f"{path.relative_to(OUT.parent.parent)}: {len(rows)} records")


if __name__ == "__main__":
    main()
