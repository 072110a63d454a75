"""Per-record size limits (DP305-DP308, DP311): one implementation for `validate` and `build`.

Bedrock fails a job on a record over the model's token or character limit. The token limits are held back
by the profile's margin when tokens are counted with a proxy tokenizer (cl100k for models whose tokenizer is
not public), so a record that passes here passes Bedrock's own count. A token is never shorter than one
UTF-8 byte, so a record whose byte size is under every limit cannot be over one and need not be tokenized.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dataprep.profiles import Profile, TaskSpec

# (quota key, rule code, what is counted), in the order the checks run.
TOKEN_CHECKS = (("max_tokens_per_record", "DP305", "tokens in the record"),
                ("max_input_tokens", "DP306", "input tokens"),
                ("max_output_tokens", "DP307", "output tokens"),
                ("max_tokens_per_record_batched", "DP311", "tokens (limit at larger batch sizes)"))
# Over the batched limit the record is still accepted at the smallest batch size: a warning, not a drop.
WARN_ONLY = frozenset({"DP311"})
CHAR_CODE = "DP308"  # over the model's characters per record
Problem = tuple[str, str]  # (rule code, message)


@dataclass(frozen=True)
class RecordLimits:
    """A model's per-record limits: documented values, the usable share after the margin, characters."""

    model: str
    quotas: dict[str, int]
    usable: dict[str, int]
    max_chars: int | None
    how: str  # how tokens are counted, for messages

    @classmethod
    def of(cls, profile: Profile, spec: TaskSpec) -> RecordLimits:
        quotas = {key: value for key, _, _ in TOKEN_CHECKS if (value := spec.quota(key))}
        how = "exact" if profile.tokenizer == "llama3" else f"cl100k proxy, {profile.token_margin:.0%} margin"
        return cls(profile.name, quotas, {k: profile.token_limit(v) for k, v in quotas.items()},
                   spec.quota("max_chars_per_record"), how)

    @property
    def smallest(self) -> int | None:
        """The smallest usable token limit: the most a text may hold and pass every token check."""
        return min(self.usable.values(), default=None)

    def could_exceed(self, texts: Sequence[str]) -> bool:
        """False when the texts are too short in UTF-8 bytes to be over any token limit (no need to count)."""
        return self.smallest is not None and sum(len(t.encode()) for t in texts) > self.smallest

    def char_problem(self, texts: Sequence[str]) -> Problem | None:
        """DP308 when the record's characters are over the model's character quota."""
        chars = sum(map(len, texts))
        if self.max_chars is not None and chars > self.max_chars:
            return CHAR_CODE, f"{chars:,} characters; {self.model} allows {self.max_chars:,} per record"
        return None

    def token_problems(self, input_tokens: int, output_tokens: int) -> list[Problem]:
        """Every token limit the record is over; over the whole-record limit, only that one (it implies the rest)."""
        total = input_tokens + output_tokens
        values = {"max_tokens_per_record": total, "max_input_tokens": input_tokens,
                  "max_output_tokens": output_tokens, "max_tokens_per_record_batched": total}
        found = []
        for key, code, what in TOKEN_CHECKS:
            if key in self.usable and values[key] > self.usable[key]:
                found.append((code, f"{values[key]:,} {what}; {self.model} allows {self.quotas[key]:,}, "
                                    f"{self.usable[key]:,} usable ({self.how})"))
                if code == "DP305":
                    break
        return found
