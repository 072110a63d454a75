"""s3:// RAW and OUT against a real S3-compatible server process (moto's standalone server on 127.0.0.1).

dataprep is run as users run it (its command line, in a subprocess or the typer app in process), and it
reaches the server over HTTP through the standard `AWS_ENDPOINT_URL` setting, with credentials from the
environment: nothing is patched. The tests' own client (to seed RAW and to look at what OUT holds) is a
plain botocore client on the same server.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, FINETUNE, invoke

MODEL = "nova-micro"
ROLE = "arn:aws:iam::123456789012:role/BedrockFineTuning"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _isolated_env(tmp: Path, endpoint: str, keys: bool = True) -> dict[str, str]:
    """The AWS settings a user would have: an endpoint, keys (or none), and no file or instance role to fall to."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp / "no-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"))
    if keys:
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    return env


@contextlib.contextmanager
def _moto_server(log: Path, **env: str) -> Iterator[str]:
    """moto_server on a free port of 127.0.0.1 (our own child process, ended by its pid); its endpoint URL."""
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if executable is None:
        pytest.fail("moto_server not found: install the dev extra (pip install -e '.[dev]')")
    port = _free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([executable, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out,
                                   env={**os.environ, **env})
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start: {log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The module's S3 server (no IAM: any key is accepted)."""
    with _moto_server(tmp_path_factory.mktemp("moto") / "server.log") as endpoint:
        yield endpoint


@pytest.fixture
def aws(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This test's environment (also set in this process, for the in-process CLI and the test's client)."""
    env = _isolated_env(tmp_path, server)
    _use(env, monkeypatch)
    return env


def _client() -> Any:
    import botocore.session

    return botocore.session.get_session().create_client("s3")


def _bucket(s3: Any, name: str) -> str:
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=name)
    return name


def _seed_raw(s3: Any, bucket: str, prefix: str) -> None:
    """sample_data/raw/finetune (ten files, every container) under s3://bucket/prefix/, plus a README."""
    for path in sorted(FINETUNE.iterdir()):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/{path.name}", Body=path.read_bytes())
    s3.put_object(Bucket=bucket, Key=f"{prefix}/notes/README.md", Body=b"# what these files are\n")


def _objects(s3: Any, bucket: str, prefix: str) -> dict[str, dict[str, Any]]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", [])
    return {o["Key"][len(prefix) + 1:]: o for o in listed}


def _run(env: dict[str, str], cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**env, "DATAPREP_RAISE_UNEXPECTED": "1"})


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def test_round_trip_s3_raw_to_s3_out_then_job(aws: dict[str, str], tmp_path: Path) -> None:
    s3 = _client()
    _seed_raw(s3, _bucket(s3, "raw-data"), "finetune")
    _bucket(s3, "built-data")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    done = _run(aws, cwd, "build", "s3://raw-data/finetune", "s3://built-data/runs/one", "--model", MODEL, "-q",
                "--no-report")
    assert done.returncode == 0, done.stderr
    assert "uploaded to s3://built-data/runs/one/" in done.stdout and "Traceback" not in done.stderr
    assert "s3://built-data/runs/one/train.jsonl" in done.stdout + done.stderr  # the summary names the objects
    assert "next: dataprep job s3://built-data/runs/one --role-arn" in done.stdout + done.stderr
    assert "--s3-uri" not in done.stdout + done.stderr
    assert list(cwd.iterdir()) == []  # nothing staged where the user runs it
    objects = _objects(s3, "built-data", "runs/one")
    manifest = json.loads(s3.get_object(Bucket="built-data", Key="runs/one/manifest.json")["Body"].read())
    assert sorted(objects) == sorted([*manifest["files"], "manifest.json"])
    for name, sha256 in manifest["files"].items():  # every object: S3's SHA-256 is the manifest's
        head = s3.head_object(Bucket="built-data", Key=f"runs/one/{name}", ChecksumMode="ENABLED")
        assert head["ChecksumSHA256"] == _b64(sha256), name
        body = s3.get_object(Bucket="built-data", Key=f"runs/one/{name}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha256, name
    # Inputs and ledger name the objects, never the local copy; the README beside the data is not read as data.
    assert [i["path"] for i in manifest["inputs"]] == [f"s3://raw-data/finetune/{p.name}"
                                                      for p in sorted(FINETUNE.iterdir())]
    ledger = s3.get_object(Bucket="built-data", Key="runs/one/rejected.jsonl")["Body"].read().decode()
    assert ledger and all(json.loads(line)["source"].startswith("s3://raw-data/finetune/")
                          for line in ledger.splitlines())
    assert "/tmp" not in ledger and "dataprep-s3-" not in ledger

    # The same inputs built locally give the same training and validation bytes.
    local = _run(aws, cwd, "build", FINETUNE, tmp_path / "local", "--model", MODEL, "-q", "--no-report")
    assert local.returncode == 0, local.stderr
    local_manifest = json.loads((tmp_path / "local" / "manifest.json").read_text(encoding="utf-8"))
    for split in ("train", "validation"):
        assert local_manifest["outputs"][split]["sha256"] == manifest["outputs"][split]["sha256"], split

    job = _run(aws, cwd, "job", "s3://built-data/runs/one", "--role-arn", ROLE)
    assert job.returncode == 0, job.stdout + job.stderr
    assert "wrote s3://built-data/runs/one/job.json" in job.stdout and "aws s3 cp s3://" in job.stdout
    assert "aws s3 cp /" not in job.stdout and "dataprep-s3-" not in job.stdout + job.stderr
    body = json.loads(s3.get_object(Bucket="built-data", Key="runs/one/job.json")["Body"].read())
    assert body["trainingDataConfig"]["s3Uri"] == "s3://built-data/runs/one/train.jsonl"
    assert body["validationDataConfig"]["validators"][0]["s3Uri"] == "s3://built-data/runs/one/validation.jsonl"
    assert body["outputDataConfig"]["s3Uri"].startswith("s3://built-data/runs/one/")
    assert list(cwd.iterdir()) == []


def test_job_refuses_an_object_changed_or_uploaded_without_its_checksum(aws: dict[str, str], tmp_path: Path) -> None:
    s3 = _client()
    _bucket(s3, "job-checks")
    done = _run(aws, tmp_path, "build", FINETUNE / "prompt_completion.jsonl", "s3://job-checks/a", "--model", MODEL,
                "-q", "--no-report")
    assert done.returncode == 0, done.stderr
    # rejected.jsonl uploaded again, same bytes, but without a SHA-256 checksum (botocore's default CRC32).
    same = s3.get_object(Bucket="job-checks", Key="a/rejected.jsonl")["Body"].read()
    s3.put_object(Bucket="job-checks", Key="a/rejected.jsonl", Body=same, ChecksumAlgorithm="CRC32")
    # train.jsonl replaced by other bytes (with their own, correct checksum).
    s3.put_object(Bucket="job-checks", Key="a/train.jsonl", Body=b'{"prompt": "x", "completion": "y"}\n',
                  ChecksumAlgorithm="SHA256")
    job = _run(aws, tmp_path, "job", "s3://job-checks/a", "--role-arn", ROLE)
    assert job.returncode == 1, job.stdout + job.stderr
    lines = [line for line in job.stdout.splitlines() if "DP602" in line]
    assert any(line.startswith("s3://job-checks/a/train.jsonl") and "differs" in line for line in lines), lines
    assert any(line.startswith("s3://job-checks/a/rejected.jsonl") and "no SHA-256" in line for line in lines)
    assert "job.json" not in _objects(s3, "job-checks", "a") and list(tmp_path.iterdir()) == []


def test_an_upload_stops_before_the_manifest_when_a_file_is_not_the_manifests(aws: dict[str, str],
                                                                              tmp_path: Path) -> None:
    from dataprep.errors import UsageError
    from dataprep.io.remote import S3Url
    from dataprep.io.s3 import client
    from dataprep.io.s3_upload import upload_out

    s3 = _client()
    _bucket(s3, "half-sent")
    out = tmp_path / "out"
    done = _run(aws, tmp_path, "build", FINETUNE / "prompt_completion.jsonl", out, "--model", MODEL, "-q",
                "--no-report")
    assert done.returncode == 0, done.stderr
    with open(out / "train.jsonl", "ab") as fh:  # changed after the manifest was written
        fh.write(b"\n")
    url = S3Url("half-sent", "run")
    with pytest.raises(UsageError, match=r"train\.jsonl: its sha256 differs from manifest\.json"):
        upload_out(client(url), url, out, ())
    sent = _objects(s3, "half-sent", "run")
    assert sorted(sent) == ["lineage.jsonl", "rejected.jsonl"]  # in name order, then stopped: no manifest


def test_a_rebuild_into_s3_out_replaces_its_own_files_and_refuses_anyone_elses(aws: dict[str, str],
                                                                               tmp_path: Path) -> None:
    s3 = _client()
    _bucket(s3, "rebuilt")
    raw = FINETUNE / "prompt_completion.jsonl"
    first = invoke("build", raw, "s3://rebuilt/x", "--model", MODEL, "-q", "--test-fraction", "0.1",
                   "--no-report", cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    assert "test.jsonl" in _objects(s3, "rebuilt", "x")
    again = invoke("build", raw, "s3://rebuilt/x", "--model", MODEL, "-q", "--no-report", cwd=tmp_path)
    assert again.exit_code == 0, again.stderr
    assert "test.jsonl" not in _objects(s3, "rebuilt", "x")  # the old generation's file, owned, is gone
    s3.put_object(Bucket="rebuilt", Key="mine/train.jsonl", Body=b"my own file\n")
    refused = invoke("build", raw, "s3://rebuilt/mine", "--model", MODEL, "-q", "--no-report", cwd=tmp_path)
    assert refused.exit_code == 2 and "s3://rebuilt/mine/train.jsonl was not written by dataprep" in refused.stderr
    assert s3.get_object(Bucket="rebuilt", Key="mine/train.jsonl")["Body"].read() == b"my own file\n"


@pytest.mark.parametrize(("raw", "out", "expected"), [
    ("s3://no-such-bucket/raw", "OUT", "RAW s3://no-such-bucket/raw: the bucket does not exist"),
    ("RAW", "s3://no-such-bucket/out", "OUT s3://no-such-bucket/out: the bucket does not exist"),
    ("s3://failures/empty", "OUT", "RAW s3://failures/empty: no input files found there"),
    ("s3://failures/raw", "s3://failures/raw/out", "OUT s3://failures/raw/out is inside the RAW input"),
    ("s3://Bad_Bucket/raw", "OUT", "RAW s3://Bad_Bucket/raw: bucket name 'Bad_Bucket' is not valid"),
])
def test_s3_problems_are_one_line_and_exit_2_before_any_work(aws: dict[str, str], tmp_path: Path, raw: str,
                                                             out: str, expected: str) -> None:
    s3 = _client()
    _bucket(s3, "failures")
    s3.put_object(Bucket="failures", Key="raw/a.jsonl", Body=(FINETUNE / "prompt_completion.jsonl").read_bytes())
    s3.put_object(Bucket="failures", Key="empty/notes.bin", Body=b"\0")
    raw_arg = str(FINETUNE / "prompt_completion.jsonl") if raw == "RAW" else raw
    out_arg = str(tmp_path / "out") if out == "OUT" else out
    done = invoke("build", raw_arg, out_arg, "--model", MODEL, "-q", "--no-report", cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.exit_code == 2 and len(lines) == 1 and expected in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []  # no OUT, no s3: folder, no staging left


def _use(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's AWS settings become `env`'s (for the in-process command line)."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)


def test_no_credentials_and_no_network_are_one_line_before_any_work(server: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    raw = FINETUNE / "prompt_completion.jsonl"
    cases = [
        (_isolated_env(tmp_path, server, keys=False), "OUT s3://somewhere/out: no AWS credentials found"),
        (_isolated_env(tmp_path, f"http://127.0.0.1:{_free_port()}"), "OUT s3://somewhere/out: cannot reach S3 at"),
    ]
    for env, expected in cases:
        _use(env, monkeypatch)
        for args in (["build", raw, "s3://somewhere/out", "--model", MODEL, "-q", "--no-report"],
                     ["job", "s3://somewhere/out", "--role-arn", ROLE]):
            done = invoke(*args, cwd=tmp_path)
            lines = done.stderr.strip().splitlines()
            assert done.exit_code == 2 and len(lines) == 1 and expected in lines[0], done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_above_the_part_size_goes_in_parts_each_checked_by_s3(aws: dict[str, str], tmp_path: Path) -> None:
    from dataprep.errors import UsageError
    from dataprep.io.remote import S3Url
    from dataprep.io.s3 import client
    from dataprep.io.s3_upload import put_verified, stored_sha256

    s3 = _client()
    _bucket(s3, "in-parts")
    block = hashlib.sha256(b"seed").digest() * (1 << 15)  # 1 MiB of fixed bytes
    data = b"".join(bytes([i]) + block for i in range(11))  # 11 MiB and 11 bytes: three parts of 5 MiB
    path = tmp_path / "train.jsonl"
    path.write_bytes(data)
    sha256 = hashlib.sha256(data).hexdigest()
    dataprep_client = client("test")
    put_verified(dataprep_client, S3Url("in-parts", "big/train.jsonl"), path, sha256, part_size=5 << 20)
    head = s3.head_object(Bucket="in-parts", Key="big/train.jsonl", ChecksumMode="ENABLED")
    assert head["ETag"].strip('"').endswith("-3") and head["ContentLength"] == len(data)
    assert s3.get_object(Bucket="in-parts", Key="big/train.jsonl")["Body"].read() == data
    assert stored_sha256(dataprep_client, S3Url("in-parts", "big/train.jsonl")) == sha256
    # Bytes that are not the manifest's: the upload is aborted, no object and no open upload is left.
    with pytest.raises(UsageError, match="changed while it was sent"):
        put_verified(dataprep_client, S3Url("in-parts", "big/other.jsonl"), path, "0" * 64, part_size=5 << 20)
    assert "other.jsonl" not in _objects(s3, "in-parts", "big")
    assert s3.list_multipart_uploads(Bucket="in-parts").get("Uploads", []) == []


def test_access_denied_is_one_line_before_any_work(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that checks IAM after its first three requests: a bucket, and a user with a key and no policy.
    log = tmp_path_factory.mktemp("moto-iam") / "server.log"
    with _moto_server(log, INITIAL_NO_AUTH_ACTION_COUNT="3") as endpoint:
        import botocore.session

        session = botocore.session.Session()
        admin = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "admin",
                 "aws_secret_access_key": "admin"}
        session.create_client("s3", **admin).create_bucket(Bucket="locked")
        iam = session.create_client("iam", **admin)
        iam.create_user(UserName="nobody")
        key = iam.create_access_key(UserName="nobody")["AccessKey"]
        env = {**_isolated_env(tmp_path, endpoint, keys=False), "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        cwd = tmp_path / "cwd"
        cwd.mkdir()
        _use(env, monkeypatch)
        for args in (["build", "s3://locked/raw", cwd / "out"], ["build", FINETUNE, "s3://locked/out"]):
            done = invoke(*args, "--model", MODEL, "-q", "--no-report", cwd=cwd)
            lines = done.stderr.strip().splitlines()
            assert done.exit_code == 2 and len(lines) == 1 and "s3://locked/" in lines[0], done.stderr
            assert "access denied" in lines[0] and "s3:ListBucket" in lines[0], done.stderr
        assert list(cwd.iterdir()) == []


def test_without_botocore_an_s3_argument_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    # botocore made unimportable in the child (as when the [s3] extra and the core's botocore are absent).
    code = "import sys; sys.modules['botocore'] = None; from dataprep.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "build", str(FINETUNE / "prompt_completion.jsonl"),
                           "s3://some-bucket/out", "--model", MODEL, "-q", "--no-report"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120, env={**os.environ, "DATAPREP_RAISE_UNEXPECTED": "1"})
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "OUT s3://some-bucket/out: reading or writing s3:// needs botocore" in lines[0]
    assert "pip install 'bedrock-dataprep[s3]'" in lines[0] and list(tmp_path.iterdir()) == []
