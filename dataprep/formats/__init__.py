"""Bedrock record formats: detection, per-record checks and rendering, one module per format."""

from __future__ import annotations

from dataprep.formats import claude_messages, conversation, pretraining, prompt_completion
from dataprep.formats.shapes import detect

MODULES = {m.NAME: m for m in (prompt_completion, pretraining, claude_messages, conversation)}

__all__ = ["MODULES", "claude_messages", "conversation", "detect", "pretraining", "prompt_completion"]
