"""The one format detector: which shape a record is written in, from its keys.

`dataprep validate` asks which Bedrock format a record is in; `dataprep build` asks the same question of
raw records that may also be in a source shape (alpaca, dolly, question/answer, OpenAI messages, ShareGPT,
plain text, HH-RLHF transcripts, OpenAssistant trees).
Both ask here, so a Bedrock record is recognised the same way by both commands: with
`sources=False` the source rules are skipped, and what is left is Bedrock's own detection.

Source shapes are tried before Bedrock's fallbacks where keys overlap: `{"prompt", "response"}` is a
question/answer pair, not a prompt/completion record missing its completion, and `{"input", "output"}` is a
pair, not pre-training text with a stray key. Keys are case-sensitive here, as real datasets spell them;
the build's reader (`dataprep.io.mapping`) renames fields first, from `--map` or, for a record no shape
matches, from case-insensitive synonyms (`Questions`/`Answers`), so this table stays the one detector.
"""

from __future__ import annotations

from typing import Any

from dataprep.formats import claude_messages, conversation, image_caption, pretraining, prompt_completion, rft

ALPACA, DOLLY, QA, OPENAI, SHAREGPT, TEXT = "alpaca", "dolly", "qa", "openai-messages", "sharegpt", "text"
HH, OASST = "hh-rlhf", "oasst-tree"
# A captions file beside its images (a CSV or JSONL with an image path and a caption column; Hugging Face's
# imagefolder metadata.jsonl / metadata.csv with `file_name` and `text`): image-caption records to build.
CAPTIONED = "captioned-images"
IMAGE_COLUMNS = ("file_name", "image", "image_path", "image_file")
CAPTION_COLUMNS = ("caption", "text")
# Keys that make a record a conversation or a question/answer pair, even when it also names an image.
_DIALOGUE_KEYS = frozenset({"messages", "conversations", "question", "answer", "prompt", "response", "instruction",
                            "completion", "output", "chosen"})
# Question/answer key pairs, in the order they are tried; each pair is unambiguous on its own.
QA_KEYS = (("question", "answer"), ("query", "response"), ("prompt", "response"), ("prompt", "answer"),
           ("input", "output"))
# Roles that only OpenAI chat records use: their presence tells them apart from Claude messages.
_OPENAI_ONLY_ROLES = frozenset({"system", "developer", "tool", "function"})
# Message keys that only OpenAI chat records use (a participant's name, a turn's training weight).
_OPENAI_ONLY_KEYS = frozenset({"name", "weight"})
# Media lists beside chat messages (LLaMA-Factory, TRL's vision format): only the importers read those.
_MEDIA_LISTS = frozenset({"images", "videos"})
# What each shape is recognised by, for the DP200 reason.
SHAPE_KEYS = ("prompt+completion (prompt-completion), messages (claude-messages, openai-messages), "
              "schemaVersion+messages (bedrock-conversation), conversations (sharegpt), "
              "instruction+input+output (alpaca), instruction+context+response (dolly), "
              "question+answer / query+response / prompt+response / prompt+answer / input+output (qa), "
              "chosen+rejected (hh-rlhf), prompt with replies (oasst-tree), text (text), input (pretraining), "
              "messages+reference_answer (rft), image-ref+caption (image-caption), "
              "file_name/image/image_path+caption/text beside the images (captioned-images); "
              "other names: --map")


def detect(obj: dict[str, Any], *, sources: bool = False) -> str | None:
    """The shape of a record; None when no rule matches. `sources` admits the importers' source shapes."""
    if "schemaVersion" in obj:
        return conversation.NAME
    if rft.REFERENCE in obj:
        return rft.NAME  # an RFT record: chat messages with the grader's reference answer
    if image_caption.IMAGE_REF in obj:
        return image_caption.NAME  # an image with its caption (Titan Image Generator, Nova Canvas, embeddings)
    if "messages" in obj:
        return OPENAI if sources and (_is_openai(obj["messages"]) or _MEDIA_LISTS & obj.keys()) \
            else _bedrock_messages(obj)
    shape = _source_shape(obj) if sources else None
    if shape is not None:
        return shape
    if "prompt" in obj or "completion" in obj:
        return prompt_completion.NAME
    if sources and TEXT in obj:
        return TEXT
    if "input" in obj:
        return pretraining.NAME
    if image_caption.CAPTION in obj:
        return image_caption.NAME  # a caption without its image-ref: the format's own check says what is missing
    return None


def _bedrock_messages(obj: dict[str, Any]) -> str:
    """bedrock-conversation when `system` or any message content is a list of blocks; Claude messages otherwise."""
    messages = obj["messages"]
    if isinstance(obj.get("system"), list):
        return conversation.NAME
    if isinstance(messages, list) and any(
        isinstance(m, dict) and isinstance(m.get("content"), list) for m in messages
    ):
        return conversation.NAME
    return claude_messages.NAME


def _source_shape(obj: dict[str, Any]) -> str | None:
    """The source shapes whose keys decide before Bedrock's `prompt`/`completion`/`input` fallbacks."""
    if any(k in obj for k in IMAGE_COLUMNS) and any(k in obj for k in CAPTION_COLUMNS) \
            and _DIALOGUE_KEYS.isdisjoint(obj):
        return CAPTIONED
    if isinstance(obj.get("prompt"), dict) and "replies" in obj["prompt"]:
        return OASST
    if "chosen" in obj and "rejected" in obj:
        return HH
    if "conversations" in obj:
        return SHAREGPT
    if "prompt" in obj and "completion" in obj:
        return prompt_completion.NAME
    if "instruction" in obj:
        return DOLLY if "context" in obj else ALPACA
    if "question" in obj or any(q in obj and a in obj for q, a in QA_KEYS):
        return QA
    return None


def _is_openai(messages: Any) -> bool:
    """OpenAI chat records put system (or tool) messages inside `messages`, or typed parts in `content`."""
    if not isinstance(messages, list):
        return False
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") in _OPENAI_ONLY_ROLES or not _OPENAI_ONLY_KEYS.isdisjoint(message):
            return True
        content = message.get("content")
        if isinstance(content, list) and any(isinstance(part, dict) and "type" in part for part in content):
            return True
    return False
