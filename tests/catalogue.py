"""The bad-input catalogue: each case is file content that must yield its rule code at its line.

Shared by the catalogue test (code at line) and the golden test (the whole `validate --format json` output).
Line 0 means a file-level finding (quotas).
"""

from __future__ import annotations

import json

PC = b'{"prompt": "What is two plus two?", "completion": "Four."}\n'
PC2 = b'{"prompt": "Name a primary colour.", "completion": "Blue is a primary colour."}\n'


def j(obj: object) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def conv(*turns: tuple[str, object], system: object = None, version: object = "bedrock-conversation-2024") -> bytes:
    record: dict[str, object] = {"schemaVersion": version} if version is not None else {}
    if system is not None:
        record["system"] = system
    record["messages"] = [{"role": r, "content": c if isinstance(c, list) else [{"text": c}]} for r, c in turns]
    return j(record)


def claude(*turns: tuple[str, object], system: str | None = None) -> bytes:
    record: dict[str, object] = {"system": system} if system else {}
    record["messages"] = [{"role": r, "content": c} for r, c in turns]
    return j(record)


UA = (("user", "Hello there, how are you?"), ("assistant", "I am well, thank you for asking."))
IMAGE = {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/cat.png"}}}}
VIDEO = {"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://bucket/clip.mp4"}}}}
THINK = {"reasoningContent": {"reasoningText": {"text": "The user greets me, so I answer politely."}}}


def media(kind: str, fmt: str, uri: str, **location: str) -> dict[str, object]:
    """An image or video block with the given format and S3 location."""
    return {kind: {"format": fmt, "source": {"s3Location": {"uri": uri, **location}}}}


def images(n: int) -> list[dict[str, object]]:
    return [media("image", "png", f"s3://bucket/cat{i}.png") for i in range(n)]
WORDS = " ".join(f"w{i}" for i in range(9000))  # about 18k cl100k tokens, 3 per word


def caption(n: int, text: str) -> bytes:
    """An image-caption record (F5) for image n."""
    return j({"image-ref": f"s3://amzn-s3-demo-bucket/kites/{n}.png", "caption": text})


def distinct_pc(n: int) -> bytes:
    """N distinct prompt/completion records (no DP401 among them)."""
    return b"".join(j({"prompt": f"q {i}", "completion": f"a {i}"}) for i in range(n))


def distinct_conv(n: int) -> bytes:
    """N distinct bedrock-conversation-2024 records."""
    return b"".join(conv(("user", f"question {i}"), ("assistant", f"answer {i}")) for i in range(n))


# (id, file name, content, model, task, expected code, expected line)
CASES = [
    ("empty-file", "train.jsonl", b"", None, None, "DP100", 1),
    ("whitespace-only", "train.jsonl", b"\n \n", None, None, "DP100", 1),
    ("bom", "train.jsonl", b"\xef\xbb\xbf" + PC, None, None, "DP101", 1),
    ("invalid-utf8", "train.jsonl", PC + b'{"prompt": "caf\xe9", "completion": "x y"}\n', None, None, "DP102", 2),
    ("blank-line", "train.jsonl", PC + b"\n" + PC2, None, None, "DP103", 2),
    ("invalid-json", "train.jsonl", PC + PC2 + b'{"prompt": "a" "completion": "b"}\n', None, None, "DP104", 3),
    ("two-records-one-line", "train.jsonl", PC.strip() + PC2, None, None, "DP104", 1),
    ("truncated-last-line", "train.jsonl", PC + PC2 + b'{"prompt": "What is', None, None, "DP105", 3),
    ("json-array", "train.jsonl", b'[{"prompt": "a", "completion": "b"}]\n', None, None, "DP106", 1),
    ("pretty-printed", "train.jsonl", PC + b'{\n  "prompt": "a",\n  "completion": "b"\n}\n', None, None, "DP107", 2),
    ("not-an-object", "train.jsonl", PC + b'["prompt", "completion"]\n', None, None, "DP108", 2),
    ("string-line", "train.jsonl", PC + b'"just text"\n', None, None, "DP108", 2),
    ("nan", "train.jsonl", PC + b'{"prompt": "a b", "completion": "c d", "score": NaN}\n', None, None, "DP109", 2),
    ("infinity", "train.jsonl", b'{"prompt": "a b", "completion": Infinity}\n', None, None, "DP109", 1),
    ("duplicate-key", "train.jsonl", PC + b'{"prompt": "a b", "prompt": "c d", "completion": "e f"}\n', None, None,
     "DP110", 2),
    ("raw-control-char", "train.jsonl", PC + b'{"prompt": "a\tb", "completion": "c d"}\n', None, None, "DP111", 2),
    ("crlf", "train.jsonl", PC.replace(b"\n", b"\r\n") + PC2, None, None, "DP112", 1),
    ("extension", "train.json", PC, None, None, "DP113", 1),
    ("file-name", "my train.jsonl", PC, None, None, "DP114", 1),
    ("unknown-format", "train.jsonl", PC + j({"question": "a", "answer": "b"}), None, None, "DP200", 2),
    ("format-mismatch", "train.jsonl", claude(*UA), "llama3-1-8b-instruct", None, "DP201", 1),
    ("mixed-formats", "train.jsonl", PC + PC2 + conv(*UA), None, None, "DP202", 3),
    ("missing-completion", "train.jsonl", PC + j({"prompt": "Only a prompt here"}), None, None, "DP203", 2),
    ("missing-messages", "train.jsonl", conv(*UA) + j({"schemaVersion": "bedrock-conversation-2024"}), "nova-micro",
     None, "DP203", 2),
    ("wrong-type", "train.jsonl", j({"prompt": "How many?", "completion": 5}), None, None, "DP204", 1),
    ("claude-content-list", "train.jsonl", claude(("user", [{"text": "hi"}]), ("assistant", "hello")),
     "claude-3-haiku", None, "DP204", 1),
    ("nova-content-string", "train.jsonl", conv(*UA) + j({"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"text": "hello"}]}]}),
     "nova-micro", None, "DP204", 2),
    ("empty-prompt", "train.jsonl", PC + j({"prompt": "  ", "completion": "text"}), None, None, "DP205", 2),
    ("unknown-key", "train.jsonl", j({"prompt": "a b", "completion": "c d", "id": 7}), None, None, "DP206", 1),
    ("invalid-role", "train.jsonl", claude(("system", "Be brief."), *UA), "claude-3-haiku", None, "DP207", 1),
    ("first-turn-assistant", "train.jsonl", conv(UA[1], UA[0], UA[1]), "nova-micro", None, "DP208", 1),
    ("last-turn-user", "train.jsonl", claude(UA[0], UA[1], UA[0]), "claude-3-haiku", None, "DP209", 1),
    ("not-alternating", "train.jsonl", conv(UA[0], UA[0], UA[1]), "nova-micro", None, "DP210", 1),
    ("single-message", "train.jsonl", PC and claude(UA[0]), "claude-3-haiku", None, "DP211", 1),
    ("nova-reserved-eos", "train.jsonl", conv(("user", "Finish with [EOS] please"), UA[1]), "nova-micro", None,
     "DP212", 1),
    # AWS's Nova validator never checks Thought: (missing comma in its keyword list); we do.
    ("nova-reserved-thought", "train.jsonl", conv(("user", "Thought: plan first"), UA[1]), "nova-micro", None,
     "DP212", 1),
    ("haiku-reserved-human", "train.jsonl", claude(("user", "Go on\nHuman: more"), UA[1]), "claude-3-haiku", None,
     "DP212", 1),
    ("schema-version", "train.jsonl", conv(*UA, version="2023"), "nova-micro", None, "DP213", 1),
    ("image-on-text-model", "train.jsonl", conv(("user", [IMAGE, {"text": "What is this?"}]), UA[1]), "nova-micro",
     None, "DP214", 1),
    ("image-in-assistant-turn", "train.jsonl", conv(UA[0], ("assistant", [IMAGE])), "nova-lite", None, "DP214", 1),
    ("bad-content-block", "train.jsonl", conv(("user", [{"foo": "bar"}]), UA[1]), "nova-micro", None, "DP215", 1),
    ("system-as-string", "train.jsonl", conv(*UA, system="Be brief."), "nova-micro", None, "DP216", 1),
    # Media, reasoning and tool blocks (#15 items 2, 3): dataprep.checks.media.
    ("video-on-vision-llama", "train.jsonl", conv(("user", [{"text": "What happens here?"}, VIDEO]), UA[1]),
     "llama3-2-11b-instruct", None, "DP214", 1),
    ("images-then-video", "train.jsonl", conv(("user", [{"text": "What is this?"}, IMAGE]), UA[1])
     + conv(UA[0], ("assistant", "Fine, thanks.")) + conv(("user", [{"text": "And this clip?"}, VIDEO]), UA[1]),
     "nova-lite", None, "DP217", 3),
    ("image-and-video-in-a-record", "train.jsonl", conv(("user", [IMAGE, VIDEO, {"text": "Compare them."}]), UA[1]),
     "nova-pro", None, "DP217", 1),
    ("eleven-images", "train.jsonl", conv(("user", [*images(11), {"text": "Which is the odd one?"}]), UA[1]),
     "nova-lite", None, "DP218", 1),
    ("two-videos", "train.jsonl", conv(("user", [VIDEO, media("video", "mp4", "s3://bucket/b.mp4"),
                                                 {"text": "Which clip is longer?"}]), UA[1]), "nova-pro", None,
     "DP218", 1),
    ("webp-on-nova-2-lite", "train.jsonl", conv(("user", [media("image", "webp", "s3://bucket/cat.webp"),
                                                          {"text": "What is this?"}]), UA[1]), "nova-2-lite", None,
     "DP219", 1),
    ("jpg-is-not-a-format", "train.jsonl", conv(("user", [media("image", "jpg", "s3://bucket/cat.jpg"),
                                                          {"text": "What is this?"}]), UA[1]), "nova-lite", None,
     "DP219", 1),
    ("s3-uri-without-key", "train.jsonl", conv(("user", [media("image", "png", "s3://bucket"), {"text": "What?"}]),
                                               UA[1]), "llama3-2-90b-instruct", None, "DP220", 1),
    ("bucket-owner-not-an-account", "train.jsonl", conv(("user", [media("image", "png", "s3://bucket/cat.png",
                                                                        bucketOwner="my-team"),
                                                                  {"text": "What is this?"}]), UA[1]),
     "nova-lite", None, "DP220", 1),
    ("reasoning-on-nova-lite", "train.jsonl", conv(UA[0], ("assistant", [THINK, {"text": "Very well, thanks."}])),
     "nova-lite", None, "DP221", 1),
    ("reasoning-in-user-turn", "train.jsonl", conv(("user", [THINK, {"text": "Hello there"}]), UA[1]),
     "nova-2-lite", None, "DP221", 1),
    ("reasoning-without-text", "train.jsonl", conv(UA[0], ("assistant", [
        {"reasoningContent": {"reasoningText": {"text": " "}}}, {"text": "Very well, thanks."}])), "nova-2-lite",
     None, "DP221", 1),
    ("tool-use-block", "train.jsonl", conv(UA[0], ("assistant", [
        {"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Paris"}}}])), "nova-2-lite", None,
     "DP222", 1),
    ("tool-config", "train.jsonl", j({"schemaVersion": "bedrock-conversation-2024", "toolConfig": {"tools": []},
                                      "messages": [{"role": r, "content": [{"text": t}]} for r, t in UA]}),
     "nova-2-lite", None, "DP222", 1),
    # Root cause first (#14 item 3): the one bad part is reported, not the order rules its raw form satisfies.
    ("claude-content-number", "train.jsonl", claude(UA[0], ("assistant", 5)), "claude-3-haiku", None, "DP204", 1),
    ("claude-role-missing", "train.jsonl", j({"messages": [{"content": "Hello there"}, {"role": "assistant",
                                                            "content": "Hi."}]}), "claude-3-haiku", None, "DP203", 1),
    ("nova-bad-role", "train.jsonl", conv(("User", "Hello there"), UA[1]), "nova-micro", None, "DP207", 1),
    ("haiku-system-blocks", "train.jsonl", j({"system": [{"text": "Be brief."}], "messages": [
        {"role": r, "content": c} for r, c in UA]}), "claude-3-haiku", None, "DP216", 1),
    # A raw dataset is one DP118 naming what it is and the build command, not a finding per record (#14 item 4).
    ("raw-alpaca-jsonl", "train.jsonl", b"".join(j({"instruction": f"Task {i}", "input": "", "output": f"Done {i}."})
                                                 for i in range(300)), "llama3-1-8b-instruct", None, "DP118", 1),
    ("raw-sharegpt-array", "train.json", json.dumps([{"conversations": [{"from": "human", "value": "Hi"}, {
        "from": "gpt", "value": "Hello."}]}]).encode(), None, None, "DP118", 1),
    ("raw-csv", "train.csv", b"question,answer\nWhat is two plus two?,Four.\n", "nova-micro", None, "DP118", 1),
    # Titan Text takes fine-tuning and continued pre-training: {"input"} records are checked as pre-training.
    ("titan-cpt-inferred", "train.jsonl", j({"input": " ".join(f"w{i}" for i in range(2000))}), "titan-text-express",
     None, "DP305", 1),
    ("too-many-chars", "train.jsonl", PC + j({"prompt": "a " * 13000, "completion": "b"}), "titan-text-express",
     None, "DP308", 2),
    ("llama-too-many-tokens", "train.jsonl", j({"prompt": WORDS, "completion": "ok fine"}), "llama3-1-8b-instruct",
     None, "DP305", 1),
    ("cohere-output-tokens", "train.jsonl", j({"prompt": "Write a lot.", "completion": " ".join(["word"] * 2500)}),
     "cohere-command-light", None, "DP307", 1),
    ("titan-cpt-tokens", "train.jsonl", j({"input": " ".join(f"w{i}" for i in range(2000))}), "titan-text-express",
     "continued-pretraining", "DP305", 1),
    ("titan-batched-limit", "train.jsonl", j({"prompt": " ".join(["alpha"] * 2500), "completion": "done now"}),
     "titan-text-express", None, "DP311", 1),
    ("validation-over-quota", "validation.jsonl", b"".join(j({"prompt": f"q {i}", "completion": f"a {i}"})
                                                           for i in range(1001)), "llama3-1-8b-instruct", None,
     "DP302", 0),
    # The shipped quotas: 10,000 training records for Llama 3.1 (it has a total quota of 10,000 too: DP303 as well).
    ("train-over-quota", "train.jsonl", distinct_pc(10001), "llama3-1-8b-instruct", None, "DP301", 0),
    # Nova has no per-split quota, only train + validation <= 20,000; a training file alone can break it.
    ("total-over-quota", "train.jsonl", distinct_conv(20001), "nova-micro", None, "DP303", 0),
    ("too-few-records", "train.jsonl", claude(*UA), "claude-3-haiku", None, "DP304", 0),
    ("exact-duplicate", "train.jsonl", PC + PC2 + PC.replace(b"Four.", b"four. "), None, None, "DP401", 3),
    # One definition with the build: punctuation is ignored too (dataprep.text.normal).
    ("exact-duplicate-punctuation", "train.jsonl", PC2 + PC + PC.replace(b"two?", b"two").replace(b"Four.", b"Four!"),
     None, None, "DP401", 3),
    ("near-empty-answer", "train.jsonl", PC + j({"prompt": "Rate it", "completion": "."}), None, None, "DP403", 2),
    ("zero-width", "train.jsonl", j({"prompt": "zero\u200bwidth", "completion": "ok then"}), None, None, "DP404", 1),
    ("echo", "train.jsonl", j({"prompt": "Say it again", "completion": "Say it again"}), None, None, "DP405", 1),
    ("template-tokens", "train.jsonl", j({"prompt": "[INST] hi [/INST]", "completion": "hello"}), None, None,
     "DP406", 1),
    ("refusal", "train.jsonl", j({"prompt": "Help me", "completion": "As an AI language model, I cannot do that."}),
     None, None, "DP407", 1),
    ("stock-refusal", "train.jsonl", PC + j({"prompt": "How do I pick a lock?",
                                             "completion": "I'm sorry, but I can't assist with that."}),
     None, None, "DP431", 2),
    ("template-placeholder", "train.jsonl", PC + j({"prompt": "Write the welcome letter.",
                                                    "completion": "Dear {{name}},\n\nWelcome aboard."}),
     None, None, "DP418", 2),
    ("mojibake", "train.jsonl", j({"prompt": "Whose house is it?", "completion": "It is the personâ€™s house."}),
     None, None, "DP419", 1),
    ("repetition-loop", "train.jsonl", PC + j({"prompt": "Say something kind.",
                                               "completion": "I will always be there for you. " * 12}),
     None, None, "DP420", 2),
    ("aws-key", "train.jsonl", PC + j({"prompt": "key AKIAIOSFODNN7EXAMPLE", "completion": "thanks"}), None, None,
     "DP409", 2),
    ("private-key", "train.jsonl", j({"prompt": "-----BEGIN RSA PRIVATE KEY-----\nMIIE", "completion": "ok"}), None,
     None, "DP409", 1),
    ("email", "train.jsonl", j({"prompt": "Mail maria.kowalski@fastmail.net", "completion": "Done."}), None, None,
     "DP410", 1),
    ("card-number", "train.jsonl", j({"prompt": "Card 4539 1488 0343 6467", "completion": "Noted."}), None, None,
     "DP410", 1),
    # RFC 2606 domain, 555 number, a network's published test card: placeholders (info), not personal data.
    ("placeholder-contact", "train.jsonl", j({"prompt": "Mail jane.doe@example.com or (555) 123-4567, card 4111 "
                                               "1111 1111 1111", "completion": "Done."}), None, None, "DP430", 1),
    # Valid JSON that no UTF-8 file, Python int or stack can carry: a finding, never a traceback.
    ("lone-surrogate", "train.jsonl", PC + b'{"prompt": "caf\\ud800", "completion": "x"}\n', None, None, "DP102", 2),
    ("deep-nesting", "train.jsonl", PC + b'{"prompt": ' + b"[" * 5000 + b"]" * 5000 + b', "completion": "x"}\n', None,
     None, "DP104", 2),
    ("huge-integer", "train.jsonl", PC + b'{"prompt": "a", "completion": "b", "n": ' + b"9" * 5000 + b"}\n", None, None,
     "DP104", 2),
    ("number-overflow", "train.jsonl", PC + b'{"prompt": "a", "completion": "b", "n": 1e999}\n', None, None,
     "DP109", 2),
    # Distillation prompts (F6) and RFT records (F7), #15 item 4.
    ("distillation-multi-turn", "train.jsonl", conv(("user", "Name a prime number.")) + conv(
        ("user", "Name a prime."), ("assistant", "Seven."), ("user", "And another one?")), "claude-3-haiku",
     "distillation", "DP230", 2),
    ("distillation-no-schema-version", "train.jsonl", conv(("user", "Name a prime number.")) + conv(
        ("user", "Name an even number."), version=None), "nova-micro", "distillation", "DP231", 2),
    ("rft-no-reference-answer", "train.jsonl", j({"messages": [{"role": "user", "content": "What is 2 + 3?"}],
                                                   "reference_answer": "5"}) + j(
        {"messages": [{"role": "user", "content": "What is 4 + 4?"}]}), "nova-2-lite", "reinforcement-fine-tuning",
     "DP232", 2),
    ("rft-system-not-first", "train.jsonl", j({"messages": [{"role": "user", "content": "What is 2 + 3?"},
                                                            {"role": "system", "content": "Be terse."}],
                                                "reference_answer": "5"}), "nova-2-lite", None, "DP233", 1),
    ("rft-duplicate-tool", "train.jsonl", j({"messages": [{"role": "user", "content": "Weather in Oslo?"}],
                                              "reference_answer": "rainy", "tools": [
        {"type": "function", "function": {"name": "weather"}},
        {"type": "function", "function": {"name": "weather"}}]}), "nova-2-lite", None, "DP234", 1),
    # Image-caption records (F5), #15 item 5.
    ("caption-too-short", "train.jsonl", caption(1, "a red kite over a beach") + caption(2, "ok"),
     "titan-image-generator-v2", None, "DP223", 2),
    ("caption-too-long", "train.jsonl", caption(1, "a red kite over a beach") + caption(2, "kite " * 520),
     "titan-embed-image", None, "DP223", 2),
    ("image-ref-not-an-image", "train.jsonl", caption(1, "a red kite over a beach") + j(
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/captions.txt", "caption": "two kites"}), "nova-canvas", None,
     "DP224", 2),
    ("image-ref-gif", "train.jsonl", caption(1, "a red kite over a beach") + j(
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/2.gif", "caption": "two kites"}), "titan-image-generator-v2",
     None, "DP219", 2),
    ("image-ref-not-s3", "train.jsonl", j({"image-ref": "https://example.com/kites/1.png", "caption": "a kite"}),
     "titan-image-generator-v2", None, "DP220", 1),
    ("image-caption-validation-file", "validation.jsonl", caption(1, "a red kite over a beach"),
     "titan-image-generator-v2", None, "DP310", 0),
]

# Two-file cases (train and validation passed together): (id, train content, validation content, model, task,
# expected code, expected line in the validation file). DP501/DP502 findings show the pair and the Jaccard.
_NEAR = ("Summarise the plot of the novel in three sentences, naming the main character, the place where the "
         "story is set and the way it ends for everyone involved")
PAIR_CASES = [
    ("train-validation-same", PC + PC2, j({"prompt": "x y", "completion": "z w"}) + PC2.replace(b"colour.", b"colour"),
     None, None, "DP501", 2),
    ("train-validation-near", PC + j({"prompt": _NEAR, "completion": "Done as asked."}),
     PC2 + j({"prompt": _NEAR.replace("three", "four"), "completion": "Done as asked."}), None, None, "DP502", 2),
]
