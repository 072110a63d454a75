"""The split placer: deterministic train / validation / test assignment that respects the model's quotas.

A record's split comes from a seeded hash of its stable key (its normalised content), never from file
order: the same record lands in the same split in every build with that seed, a shuffled input gives the
same files, and adding records does not move the others. Only one record of each duplicate cluster
survives dedup, so a cluster cannot straddle splits. Records are offered in hash order, so the capped
splits are filled by a deterministic, uniformly random sample: validation beyond its quota goes to train,
and train beyond `--max-train-records` goes to the ledger (DP504), never silently away.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from dataprep.checks.quotas import SPLITS, TEST, TRAIN, VALIDATION

_SCALE = float(1 << 64)


def split_position(key: str, seed: int) -> float:
    """Uniform position in [0, 1) from the seeded hash of a record key."""
    digest = hashlib.blake2b(key.encode(), digest_size=8, key=seed.to_bytes(8, "big", signed=True)).digest()
    return int.from_bytes(digest, "big") / _SCALE


class OverQuota(Exception):
    """More training records than the quota and no --max-train-records: the build must stop."""


@dataclass
class Placer:
    """Hands out splits to records offered in increasing `split_position` order."""

    validation_fraction: float
    test_fraction: float
    validation_cap: int | None  # None: no quota
    train_cap: int | None  # quota or --max-train-records, whichever is lower
    sample_train: bool  # True: records over train_cap are sampled out; False: OverQuota
    total_cap: int | None = None  # train + validation quota (Nova), filled validation first
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))

    def wanted(self, position: float) -> str:
        """The split a record at `position` belongs to before caps."""
        if position < self.validation_fraction:
            return VALIDATION
        if position < self.validation_fraction + self.test_fraction:
            return TEST
        return TRAIN

    def full(self, position: float) -> bool:
        """True when a record at `position` could only be sampled out: no work is worth spending on it."""
        return self.sample_train and self._train_full() and (
            self.wanted(position) == TRAIN or self._validation_full())

    def place(self, position: float, size: int = 1) -> str | None:
        """The split for the next accepted record, or None when it is sampled out (DP504).

        `size` > 1 is a document's first chunk: the split must have room for all `size` chunks, which then
        join it through :meth:`follow`, so a cap never cuts a document across two splits.
        """
        split = self.wanted(position)
        if split == VALIDATION and self._validation_full(size):
            split = TRAIN  # validation is capped at its quota; the rest still trains
        if split == TRAIN and self._train_full(size):
            if not self.sample_train:
                raise OverQuota(self.counts[TRAIN] + size)
            return None
        self.counts[split] += 1
        return split

    def follow(self, split: str) -> None:
        """Count a further chunk of a document whose split `place` chose with room for it."""
        self.counts[split] += 1

    def _validation_full(self, size: int = 1) -> bool:
        if self.total_cap is not None and self.counts[TRAIN] + self.counts[VALIDATION] + size > self.total_cap:
            return True
        return self.validation_cap is not None and self.counts[VALIDATION] + size > self.validation_cap

    def _train_full(self, size: int = 1) -> bool:
        if self.total_cap is not None and self.counts[TRAIN] + self.counts[VALIDATION] + size > self.total_cap:
            return True
        return self.train_cap is not None and self.counts[TRAIN] + size > self.train_cap
