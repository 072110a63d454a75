"""Model profiles: shipped files are complete and sourced, names resolve, user files merge or fail clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from dataprep.errors import ProfileError, UnknownModelError
from dataprep.profiles import FORMATS, QUOTA_KEYS, load_profiles, resolve_model
from dataprep.resources import rules_dir

SHIPPED_IDS = {
    "titan-text-lite",
    "titan-text-express",
    "titan-text-premier",
    "nova-micro",
    "nova-lite",
    "nova-pro",
    "claude-3-haiku",
    "llama3-3-70b-instruct",
    "gpt-oss-20b",
    "qwen3-32b",
    "llama3-1-8b-instruct",
    "llama3-1-70b-instruct",
    "llama3-2-1b-instruct",
    "llama3-2-3b-instruct",
    "llama3-2-11b-instruct",
    "llama3-2-90b-instruct",
    "nova-2-lite",
    "cohere-command-light",
    "cohere-command",
    "titan-image-generator-v2",
    "titan-image-generator-v1",
    "nova-canvas",
    "titan-embed-image",
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def shipped_text(profile_id: str) -> str:
    return (rules_dir() / "models" / f"{profile_id}.toml").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ shipped set


def test_every_shipped_profile_loads() -> None:
    profiles = load_profiles()
    assert set(profiles) == SHIPPED_IDS
    for profile in profiles.values():
        assert profile.path.name == f"{profile.id}.toml"
        assert profile.tasks, profile.id
        for spec in profile.tasks.values():
            assert spec.format in FORMATS


def test_every_number_has_a_source_and_a_date() -> None:
    for profile in load_profiles().values():
        for spec in profile.tasks.values():
            entries = [*spec.quotas.items(), *spec.hyperparameters.items()]
            assert entries, f"{profile.id} {spec.task} has no numbers"
            for key, entry in entries:
                where = f"{profile.id} {spec.task} {key}"
                assert entry.source.startswith("https://"), where
                assert date.fromisoformat(entry.date) <= date(2026, 12, 6), where


def test_unverified_and_stricter_choices_say_why() -> None:
    for profile in load_profiles().values():
        for spec in profile.tasks.values():
            for key, entry in spec.quotas.items():
                if not entry.verified:
                    assert entry.note, f"{profile.id} {key} is unverified without a note"


def test_titan_record_quotas_are_marked_unverified() -> None:
    for profile_id in ("titan-text-lite", "titan-text-express", "titan-text-premier"):
        for spec in load_profiles()[profile_id].tasks.values():
            for key in ("max_train_records", "max_validation_records", "max_total_records"):
                assert spec.quotas[key].verified is False, (profile_id, spec.task, key)


def test_key_facts() -> None:
    profiles = load_profiles()
    lite = profiles["titan-text-lite"].task("continued-pretraining")
    assert lite.format == "pretraining"
    assert lite.customization_type == "CONTINUED_PRE_TRAINING"
    assert (lite.quota("max_tokens_per_record"), lite.quota("max_tokens_per_record_batched")) == (4096, 2048)
    assert lite.quota("batched_above_batch_size") == 2
    assert profiles["titan-text-express"].task().quota("batched_above_batch_size") == 1
    assert set(profiles["titan-text-premier"].tasks) == {"fine-tuning"}

    nova = profiles["nova-micro"]
    assert nova.task().format == "bedrock-conversation"
    assert "batchSize" not in nova.task().hyperparameters
    assert nova.media == ()
    assert profiles["nova-pro"].media == ("image", "video")
    assert {"User:", "Bot:", "[EOS]", "Thought:"} <= set(nova.reserved_keywords)

    haiku = profiles["claude-3-haiku"]
    assert haiku.task().format == "claude-messages"
    assert haiku.reserved_keywords == ("\nHuman:", "\nAssistant:")
    assert haiku.chars_per_token == 3

    for profile_id in ("llama3-1-8b-instruct", "llama3-2-3b-instruct"):
        assert profiles[profile_id].tokenizer == "llama3"
        assert profiles[profile_id].token_margin == 0
    assert profiles["llama3-1-8b-instruct"].task().format == "prompt-completion"
    assert profiles["llama3-2-1b-instruct"].task().format == "bedrock-conversation"

    command = profiles["cohere-command"]
    assert command.legacy and "2025-09-15" in command.status_note
    assert command.task().quota("max_output_tokens") == 2048
    assert command.task().hyperparameters["batchSize"].max == 8
    assert profiles["cohere-command-light"].task().hyperparameters["batchSize"].max == 32


def test_task_selection() -> None:
    profiles = load_profiles()
    assert profiles["titan-text-express"].task().task == "fine-tuning"
    assert profiles["titan-text-express"].task("continued-pretraining").format == "pretraining"
    with pytest.raises(ProfileError, match="supported: fine-tuning"):
        profiles["nova-micro"].task("continued-pretraining")


def test_quota_lookup() -> None:
    spec = load_profiles()["nova-micro"].task()
    assert spec.quota("max_total_records") == 20000
    assert spec.quota("max_train_file_bytes") is None
    with pytest.raises(ValueError, match="unknown quota key"):
        spec.quota("max_records")
    assert set(spec.quotas) <= set(QUOTA_KEYS)


def test_token_limit_applies_the_margin() -> None:
    profiles = load_profiles()
    assert profiles["nova-micro"].token_limit(4096) == 3686
    assert profiles["nova-micro"].token_limit(32000) == 28800
    assert profiles["llama3-1-8b-instruct"].token_limit(16000) == 16000


def test_loaded_profiles_are_read_only() -> None:
    profile = load_profiles()["nova-micro"]
    with pytest.raises(TypeError):
        profile.tasks["continued-pretraining"] = profile.task()  # type: ignore[index]
    with pytest.raises(TypeError):
        profile.task().quotas["max_total_records"] = profile.task().quotas["min_train_records"]  # type: ignore[index]


def test_import_stays_light() -> None:
    """`dataprep validate` runs in pre-commit hooks: importing profiles must not pull in heavy packages."""
    code = (
        "import sys; before = set(sys.modules); import dataprep.profiles; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names) - {'dataprep'}))"
    )
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------ resolving


@pytest.mark.parametrize("profile_id", sorted(SHIPPED_IDS))
def test_every_name_resolves(profile_id: str) -> None:
    profile = load_profiles()[profile_id]
    for name in (profile.id, profile.base_model_id, *profile.aliases):
        assert resolve_model(name).id == profile_id
        assert resolve_model(name.upper()).id == profile_id
        assert resolve_model(f"  {name} ").id == profile_id


def test_both_id_forms_resolve() -> None:
    assert resolve_model("amazon.nova-micro-v1:0").id == "nova-micro"
    assert resolve_model("amazon.nova-micro-v1:0:128k").id == "nova-micro"
    assert resolve_model("Anthropic.Claude-3-Haiku-20240307-v1:0:200K").id == "claude-3-haiku"
    arn = "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k"
    assert resolve_model(arn).id == "llama3-1-8b-instruct"


def test_unknown_model_suggests_close_matches() -> None:
    with pytest.raises(UnknownModelError) as err:
        resolve_model("nova-mikro")
    message = str(err.value)
    assert "nova-micro" in message
    assert "dataprep models" in message


def test_unknown_model_without_close_match_still_points_at_the_list() -> None:
    with pytest.raises(UnknownModelError, match="dataprep models"):
        resolve_model("gpt-4o")


# ------------------------------------------------------------------------------------------ user files

RAISED_QUOTA = """
id = "titan-text-express"

[tasks.fine-tuning.quotas.max_train_records]
value = 50000
source = "Service Quotas console, account 123456789012, case 42"
date = 2026-11-20
"""


def test_override_raises_a_quota_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "raised.toml", RAISED_QUOTA)
    profile = resolve_model("amazon.titan-text-express-v1", [path])
    shipped = load_profiles()["titan-text-express"]

    raised = profile.task().quotas["max_train_records"]
    assert raised.value == 50000
    assert raised.date == "2026-11-20"
    # The entry is replaced whole: the shipped entry's `verified = false` and note do not leak into it.
    assert raised.verified is True and raised.note == ""

    assert profile.task().quota("max_tokens_per_record") == 4096
    assert profile.task("continued-pretraining") == shipped.task("continued-pretraining")
    assert profile.task().hyperparameters == shipped.task().hyperparameters
    assert profile.aliases == shipped.aliases
    assert profile.path == shipped.path
    assert profile.overrides == (path,)
    # The cached shipped set is untouched.
    assert load_profiles()["titan-text-express"].task().quota("max_train_records") == 10000


def test_overrides_apply_in_order(tmp_path: Path) -> None:
    first = write(tmp_path, "first.toml", RAISED_QUOTA)
    second = write(
        tmp_path,
        "second.toml",
        'id = "titan-text-express"\nreserved_keywords = ["###"]\n',
    )
    profile = load_profiles([first, second])["titan-text-express"]
    assert profile.task().quota("max_train_records") == 50000
    assert profile.reserved_keywords == ("###",)
    assert profile.overrides == (first, second)


def test_override_can_relax_keyword_matching(tmp_path: Path) -> None:
    path = write(tmp_path, "nova.toml", 'id = "nova-lite"\nreserved_keywords_case_sensitive = true\n')
    assert load_profiles([path])["nova-lite"].reserved_keywords_case_sensitive is True


def test_a_whole_new_profile_loads_and_resolves(tmp_path: Path) -> None:
    text = shipped_text("nova-micro").replace('id = "nova-micro"', 'id = "my-nova"')
    text = text.replace('aliases = ["amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0:128k"]', "aliases = []")
    text = text.replace(
        'base_model_id = "amazon.nova-micro-v1:0:128k"', 'base_model_id = "amazon.my-nova-v1:0"'
    )
    path = write(tmp_path, "my-nova.toml", text)
    profile = resolve_model("AMAZON.MY-NOVA-V1:0", [path])
    assert profile.id == "my-nova"
    assert profile.path == path
    assert profile.task().quota("max_total_records") == 20000


def test_a_new_profile_may_not_claim_another_profiles_model_id(tmp_path: Path) -> None:
    text = shipped_text("nova-micro").replace('id = "nova-micro"', 'id = "my-nova"')
    path = write(tmp_path, "my-nova.toml", text)
    with pytest.raises(ProfileError) as err:
        load_profiles([path])
    assert str(path) in str(err.value)
    assert "[aliases]" in str(err.value)


def test_an_override_must_use_the_profile_id(tmp_path: Path) -> None:
    path = write(tmp_path, "alias.toml", 'id = "amazon.nova-micro-v1:0"\nlegacy = true\n')
    with pytest.raises(ProfileError, match="use id = 'nova-micro'"):
        load_profiles([path])


HP = "[tasks.fine-tuning.hyperparameters.epochCount]"
QUOTA = "[tasks.fine-tuning.quotas.max_total_records]"
SRC = 'source = "https://example.com"\ndate = "2026-11-23"\n'

BROKEN = {
    "min above max": (
        f'id = "nova-micro"\n{HP}\ntype = "int"\nmin = 5\nmax = 1\n{SRC}',
        "tasks.fine-tuning.hyperparameters.epochCount.min",
    ),
    "default outside range": (
        f'id = "nova-micro"\n{HP}\ntype = "int"\nmin = 1\nmax = 5\ndefault = 9\n{SRC}',
        "tasks.fine-tuning.hyperparameters.epochCount.default",
    ),
    "fractional int bound": (
        f'id = "nova-micro"\n{HP}\ntype = "int"\nmin = 1.5\nmax = 5\n{SRC}',
        "tasks.fine-tuning.hyperparameters.epochCount.min",
    ),
    "unknown format": (
        'id = "nova-micro"\n[tasks.fine-tuning]\nformat = "openai-chat"\n',
        "tasks.fine-tuning.format",
    ),
    "pretraining format for fine-tuning": (
        'id = "nova-micro"\n[tasks.fine-tuning]\nformat = "pretraining"\n',
        "tasks.fine-tuning.format",
    ),
    "missing source": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = 30000\ndate = "2026-11-23"\n',
        "tasks.fine-tuning.quotas.max_total_records.source",
    ),
    "empty source": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = 30000\nsource = " "\ndate = "2026-11-23"\n',
        "tasks.fine-tuning.quotas.max_total_records.source",
    ),
    "missing date": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = 30000\nsource = "https://example.com"\n',
        "tasks.fine-tuning.quotas.max_total_records.date",
    ),
    "bad date": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = 30000\nsource = "x"\ndate = "23/11/2026"\n',
        "tasks.fine-tuning.quotas.max_total_records.date",
    ),
    "value is text": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = "30000"\n{SRC}',
        "tasks.fine-tuning.quotas.max_total_records.value",
    ),
    "value is a bool": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = true\n{SRC}',
        "tasks.fine-tuning.quotas.max_total_records.value",
    ),
    "unknown quota key": (
        f'id = "nova-micro"\n[tasks.fine-tuning.quotas.max_records]\nvalue = 1\n{SRC}',
        "tasks.fine-tuning.quotas.max_records",
    ),
    "misspelt top-level key": (
        'id = "nova-micro"\ntoken_margn = 0.2\n',
        "token_margn",
    ),
    "unknown task": (
        'id = "nova-micro"\n[tasks.preference-tuning]\nformat = "bedrock-conversation"\n',
        "tasks.preference-tuning",
    ),
    "min records above max": (
        f'id = "nova-micro"\n{QUOTA}\nvalue = 4\n{SRC}',
        "tasks.fine-tuning.quotas.min_train_records",
    ),
    "margin out of range": (
        'id = "nova-micro"\ntoken_margin = 1.5\n',
        "token_margin",
    ),
    "unknown tokenizer": (
        'id = "nova-micro"\ntokenizer = "gpt2"\n',
        "tokenizer",
    ),
    "media on a text-only format": (
        'id = "llama3-1-8b-instruct"\nmedia = ["image"]\n',
        "media",
    ),
    "image formats without image media": (
        'id = "llama3-2-3b-instruct"\nimage_formats = ["png"]\n',
        "image_formats",
    ),
    "unknown video format": (
        'id = "nova-lite"\nvideo_formats = ["avi"]\n',
        "video_formats",
    ),
    "empty image formats": (
        'id = "nova-lite"\nimage_formats = []\n',
        "image_formats",
    ),
    "reasoning on a text-only format": (
        'id = "llama3-1-8b-instruct"\nreasoning_content = true\n',
        "reasoning_content",
    ),
    "reasoning is not a flag": (
        'id = "nova-2-lite"\nreasoning_content = "yes"\n',
        "reasoning_content",
    ),
    "new profile missing keys": (
        'id = "brand-new"\nname = "Brand new"\n',
        "provider",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_user_file_names_file_and_key(tmp_path: Path, case: str) -> None:
    text, key = BROKEN[case]
    path = write(tmp_path, "broken.toml", text)
    with pytest.raises(ProfileError) as err:
        load_profiles([path])
    message = str(err.value)
    assert message.startswith(f"{path}: [{key}]"), message


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ProfileError, match="cannot read"):
        load_profiles([missing])
    garbled = write(tmp_path, "garbled.toml", 'id = "nova-micro"\n[tasks\n')
    with pytest.raises(ProfileError, match="not valid TOML") as err:
        load_profiles([garbled])
    assert str(garbled) in str(err.value)
    no_id = write(tmp_path, "no-id.toml", "legacy = true\n")
    with pytest.raises(ProfileError, match=r"\[id\]"):
        load_profiles([no_id])


# ------------------------------------------------------------------------------ multimodal and Nova 2 Lite


def test_nova_2_lite_profile() -> None:
    profile = resolve_model("amazon.nova-2-lite-v1:0:256k")
    spec = profile.task()
    assert profile.id == "nova-2-lite" and profile.reasoning_content is True
    assert spec.validation_supported is False
    assert (spec.quota("min_train_records"), spec.quota("max_train_records")) == (200, 20000)
    assert (spec.quota("max_images_per_record"), spec.quota("max_videos_per_record")) == (10, 1)
    assert dict(profile.media_formats) == {"image": ("png", "jpeg", "gif"), "video": ("mov", "mkv", "mp4")}


def test_vision_llamas_take_images_only() -> None:
    for name, tokens in (("meta.llama3-2-11b-instruct-v1:0:128k", 16000), ("meta.llama3-2-90b-instruct-v1:0", 10000)):
        profile = resolve_model(name)
        assert dict(profile.media_formats) == {"image": ("gif", "jpeg", "png", "webp")}, name
        assert profile.reasoning_content is False
        assert profile.task().quota("max_tokens_per_record") == tokens


def test_media_formats_default_to_every_converse_format_and_text_models_have_none() -> None:
    profiles = load_profiles()
    assert dict(profiles["nova-lite"].media_formats) == {
        "image": ("png", "jpeg", "gif", "webp"), "video": ("mov", "mkv", "mp4", "webm")}
    for profile_id in ("nova-micro", "llama3-2-1b-instruct", "llama3-2-3b-instruct"):
        assert dict(profiles[profile_id].media_formats) == {} and not profiles[profile_id].reasoning_content


def test_an_override_narrows_the_formats(tmp_path: Path) -> None:
    path = write(tmp_path, "narrow.toml", 'id = "nova-pro"\nimage_formats = ["png"]\n')
    profile = load_profiles([path])["nova-pro"]
    assert dict(profile.media_formats) == {"image": ("png",), "video": ("mov", "mkv", "mp4", "webm")}


def test_models_lists_the_new_profiles_and_marks_legacy_ones() -> None:
    from typer.testing import CliRunner

    from dataprep.cli import app

    rows = {line.split()[0]: line for line in CliRunner().invoke(app, ["models"]).stdout.splitlines() if line}
    assert {"nova-2-lite", "llama3-2-11b-instruct", "llama3-2-90b-instruct"} <= set(rows)
    legacy = {profile_id for profile_id, line in rows.items() if line.endswith("[legacy]")}
    assert legacy == {p.id for p in load_profiles().values() if p.legacy}
    assert {"titan-text-lite", "titan-text-premier", "cohere-command", "cohere-command-light"} <= legacy


def test_the_readme_lists_every_shipped_profile_with_its_tasks() -> None:
    """The README's model table is what `dataprep models` says: a profile added or a task given is listed."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z0-9.-]+)` \| [^|]+\| `[^`]+` \| ([^|]+) \|",
                                                          readme, re.MULTILINE)}
    profiles = load_profiles()
    assert set(rows) == set(profiles)
    for profile in profiles.values():
        assert [t.split(" (")[0] for t in rows[profile.id].strip().split("), ")] == list(profile.tasks), profile.id
