"""Bedrock record formats: detection, per-record checks and rendering, one module per format."""

from __future__ import annotations

from dataprep.formats import (
    claude_messages,
    conversation,
    distillation,
    image_caption,
    pretraining,
    prompt_completion,
    rft,
)
from dataprep.formats.shapes import detect

MODULES = {m.NAME: m for m in (prompt_completion, pretraining, claude_messages, conversation, distillation,
                               distillation.SINGLE_TURN, rft, image_caption)}
# A task-owned format reads the records of the shapes it shares keys with as its own: a bedrock-conversation
# record checked for a distillation task is a distillation prompt, a messages record for RFT an RFT record.
READ_AS = {distillation.NAME: frozenset({conversation.NAME}),
           distillation.SINGLE_TURN_NAME: frozenset({conversation.NAME}),
           rft.NAME: frozenset({claude_messages.NAME})}

__all__ = ["MODULES", "READ_AS", "claude_messages", "conversation", "detect", "distillation", "image_caption",
           "pretraining", "prompt_completion", "rft"]
