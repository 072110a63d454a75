"""The hyperParameters map of a job: the user's values checked against the model's ranges, defaults filled in.

The ranges and defaults live in the model profile (rules/models/*.toml, from the Bedrock User Guide); this
module only applies them (DP604 out of range, DP605 not a number / not taken / no default, DP613 a value that
only applies without a validation set) and spells each value the way the API wants it: as a string. Where the
guide lets the service choose (Titan Image Generator's stepCount `auto`, Titan Multimodal Embeddings'
epochCount `Auto`), that word is taken in any case and sent in the guide's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dataprep.job.problems import Add
from dataprep.profiles import HyperParameter, Profile, TaskSpec

# The dedicated flags for the common hyperparameters; every other one goes through --hyperparameter.
HYPERPARAMETER_FLAGS: Mapping[str, str] = {
    "epochCount": "--epochs",
    "batchSize": "--batch-size",
    "learningRate": "--learning-rate",
    "learningRateWarmupSteps": "--warmup-steps",
}
# Used only when no validation set is given (Cohere): a default sent next to a validation set would be noise.
_ONLY_WITHOUT_VALIDATION = ("evalPercentage",)
# Jobs whose service picks a default for every hyperparameter left out (the API documents none for RFT):
# a range without a default is checked when given and otherwise not sent.
_SERVICE_DEFAULTS = ("REINFORCEMENT_FINE_TUNING",)


@dataclass(frozen=True)
class Setting:
    """One hyperparameter as sent: the API wants every value as a string."""

    name: str
    value: str
    is_default: bool


def resolve_hyperparameters(spec: TaskSpec, profile: Profile, given: Mapping[str, str], has_validation: bool,
                            add: Add) -> list[Setting]:
    """The hyperParameters map as sent: the user's values checked against the profile, defaults filled in."""
    settings = [s for name, text in given.items() if (s := _given(spec, profile, name, text, has_validation, add))]
    for name, hp in spec.hyperparameters.items():
        if name in given or (name in _ONLY_WITHOUT_VALIDATION and has_validation):
            continue
        if hp.default is None and spec.customization_type in _SERVICE_DEFAULTS:
            continue
        if hp.default is None:
            add(f"--hyperparameter {name}", "DP605", f"{profile.name} has no default for {name}; "
                f"pass --hyperparameter {name}=VALUE ({_range(hp)})")
            continue
        settings.append(Setting(name, _text(hp.default, hp), is_default=True))
    order = list(spec.hyperparameters)
    return sorted(settings, key=lambda s: order.index(s.name))


def _given(spec: TaskSpec, profile: Profile, name: str, text: str, has_validation: bool,
           add: Add) -> Setting | None:
    """One value the user passed, or None after reporting why the model does not take it."""
    where = HYPERPARAMETER_FLAGS.get(name, f"--hyperparameter {name}")
    hp = spec.hyperparameters.get(name)
    if hp is None:
        add(where, "DP605", f"{profile.name} {spec.task} takes no hyperparameter {name!r}; "
            f"it takes: {', '.join(spec.hyperparameters) or 'none'}")
        return None
    if hp.auto is not None and text.strip().lower() == hp.auto.lower():
        return Setting(name, hp.auto, is_default=False)  # the service picks the value (and the cost follows it)
    value = _parse(hp, text, where, add)
    if value is None:
        return None
    if not hp.min <= value <= hp.max:
        add(where, "DP604", f"{name} = {text} is out of range for {profile.name}: allowed {_range(hp)}, "
            f"default {_default(hp, spec)}")
        return None
    if name in _ONLY_WITHOUT_VALIDATION and has_validation:
        add(where, "DP613", f"{name} applies only when no validation dataset is given; Bedrock uses "
            "validation.jsonl instead, so drop the flag")
    return Setting(name, _text(value, hp), is_default=False)


def _parse(hp: HyperParameter, text: str, where: str, add: Add) -> float | None:
    """The number in `text`, or None after reporting why it is not one the hyperparameter takes."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        word = f" or {hp.auto!r}" if hp.auto is not None else ""
        add(where, "DP605", f"{hp.name} must be a number{word}, found {text!r}")
        return None
    if hp.type == "int" and value != value.to_integral_value():
        add(where, "DP605", f"{hp.name} must be a whole number, found {text!r}")
        return None
    return float(value)


def _text(value: float, hp: HyperParameter) -> str:
    """The string the API gets: whole numbers without a decimal point, floats without an exponent."""
    if hp.type == "int":
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def _range(hp: HyperParameter) -> str:
    """The values a hyperparameter takes, as messages show them: '10 to 40000', '10 to 40000, or auto'."""
    return f"{_show(hp.min)} to {_show(hp.max)}" + (f", or {hp.auto}" if hp.auto is not None else "")


def _show(value: float) -> str:
    """A bound or default as a message shows it (1e-05, not 0.00001000)."""
    return f"{value:g}"


def _default(hp: HyperParameter, spec: TaskSpec) -> str:
    """The default for an out-of-range message; some models have none and need the value set."""
    if hp.default is None:
        return "the service's own" if spec.customization_type in _SERVICE_DEFAULTS else "none (must be set)"
    return _show(hp.default)
