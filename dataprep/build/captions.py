"""The image-caption step: each record an image model will train on, judged by the validator's own F5 check.

A build for Titan Image Generator, Nova Canvas or Titan Multimodal Embeddings writes `image-ref` + `caption`
records; what `dataprep validate` refuses in one (DP219 a format the model does not take, DP220 a URI that is
not s3://bucket/key, DP223 a caption too short or too long, DP224 an image-ref that names no image file) is
refused here too, by `formats.image_caption.check` on the record as it will be written (after the media step
has put each local image at its S3 URI), and filed in the ledger under that code. Other formats pass untouched.
"""

from __future__ import annotations

from dataprep import formats
from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.formats.image_caption import NAME, CaptionRules
from dataprep.profiles import Profile
from dataprep.registry import rule


def run(units: list[Unit], target_format: str, profile: Profile, ledger: Ledger) -> list[Unit]:
    """The image-caption units whose rendered record the model takes; the others go to the ledger."""
    if target_format != NAME:
        return units
    rules = CaptionRules.of(profile)
    kept: list[Unit] = []
    with ledger.stage("image-caption records", len(units)) as stage:
        for unit in units:
            problem = _problem(unit, rules)
            if problem is None:
                kept.append(unit)
            else:
                ledger.reject(unit, problem[0], f"{problem[1]}. {rule(problem[0]).fix}")
            stage.advance(1)
        stage.done(len(kept))
    return kept


def _problem(unit: Unit, rules: CaptionRules) -> tuple[str, str] | None:
    """The first finding that drops the unit's record as it will be written, or None when the model takes it."""
    found: list[tuple[str, str]] = []
    formats.image_caption.check(formats.image_caption.render(unit.row),
                                lambda code, message, _key: found.append((code, message)), rules)
    return next(((c, m) for c, m in found if rule(c).action == "drop"), None)
