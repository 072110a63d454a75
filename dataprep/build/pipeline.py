"""`dataprep build`: raw files in, S3-ready splits out, every input record accounted for.

`build` below is the whole build, step by step; each step is a module of this package that owns its rule
codes and reasons, and reports what it decided to the ledger. A record that leaves the build goes to the
ledger (`rejected.jsonl`) with its source, line, rule code and the original record, and the build checks
`input units == train + validation + test + rejected` before it writes anything.

The costly per-record work (tokens, language) runs last and only on records that can still reach an output
(see `place`): that is what keeps a 55k-record build with `--max-train-records 10000` inside a minute.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from dataprep.build import chunk, convert, dedup, language, place, write
from dataprep.build.convert import ConvertContext
from dataprep.build.ledger import Ledger
from dataprep.build.model import BuildResult, BuildSettings, Progress, no_progress
from dataprep.build.screen import QualityPolicy
from dataprep.checks.keywords import ReservedKeywords
from dataprep.checks.limits import RecordLimits
from dataprep.checks.quotas import TRAIN, record_quota
from dataprep.errors import BuildError, UsageError
from dataprep.io.read import read_sources
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy
from dataprep.text import language as detectors


def build(paths: Sequence[Path], out: Path, profile: Profile, settings: BuildSettings,
          policy: RulePolicy | None = None, progress: Progress = no_progress, reports: bool = True) -> BuildResult:
    """Run every step and write OUT; raises BuildError (data) or UsageError/ProfileError (arguments).

    `reports` False skips report.json, report.html and expectations.json (the benchmark measures their cost).
    """
    from dataprep.tokens import counter

    policy = policy or RulePolicy()
    spec = profile.task(settings.task)
    _check_settings(profile, spec, settings)
    ledger = Ledger(progress)
    limits, tokens = RecordLimits.of(profile, spec), counter(profile.tokenizer)
    with ledger.stage("read", 0, bar=False) as stage:
        read = read_sources(paths, policy)
        stage.done(len(read.records), records_in=len(read.inputs))
    input_records = len(read.records)
    quality = QualityPolicy(settings.secrets, settings.pii, ReservedKeywords.of(profile), policy)
    units = convert.run(read.records, ConvertContext(spec.format, profile.id, quality), ledger)
    units = chunk.run(units, spec.format, limits, tokens, ledger)
    units, clusters = dedup.run(units, settings.dedup, ledger)
    splits = place.Walk(profile, spec, settings, limits, tokens, ledger).run(units)
    language.run(splits, settings.lang_detector, bool(settings.lang), ledger)
    total_units = ledger.check_accounting(input_records, sum(map(len, splits.values())))
    if not splits[TRAIN]:
        top = ", ".join(f"{code} x{n}" for code, n in Counter(r.code for r in ledger.rejected).most_common(3))
        raise BuildError(f"no training records are left: {input_records:,} read, all rejected ({top}); "
                         "`dataprep rules CODE` explains each code")
    result = BuildResult(profile, spec, settings, read.inputs, input_records, total_units, splits, ledger.rejected,
                         ledger.stages, ledger.fixes, ledger.warnings, list(read.findings), {}, tokens.name, clusters)
    with ledger.stage("write", 0, bar=False):
        write.run(out, result, policy, reports)
    return result


def _check_settings(profile: Profile, spec: TaskSpec, settings: BuildSettings) -> None:
    """Refuse settings no build with this model could use, before any data is read."""
    if not 0 <= settings.validation_fraction < 1 or not 0 <= settings.test_fraction < 1 \
            or settings.validation_fraction + settings.test_fraction >= 1:
        raise UsageError("--validation-fraction and --test-fraction must be in [0, 1) and sum to less than 1")
    if settings.validation_fraction and not spec.validation_supported:
        raise UsageError(f"{profile.id} {spec.task} takes no validation dataset; pass --validation-fraction 0 "
                         "(use --test-fraction for a held-out set)")
    quota = record_quota(spec, TRAIN)
    if settings.max_train_records is not None:
        if settings.max_train_records < 1:
            raise UsageError("--max-train-records must be at least 1")
        if quota is not None and settings.max_train_records > quota:
            raise UsageError(f"--max-train-records {settings.max_train_records:,} is over the {profile.id} "
                             f"{spec.task} quota of {quota:,} training records")
    if settings.lang_detector not in detectors.DETECTORS:
        raise UsageError(f"--lang-detector must be one of {', '.join(detectors.DETECTORS)}")
