"""`iamsim batch --world FILE [--input FILE] [--explain] [--no-cache]`: request records in as
JSON lines, one decision a line out (its documented JSON schema, with the record's `id` and
whether its `expect` matched); 0 when every expectation matched, 1 on a mismatch, 2 on bad
input with one `FILE:LINE:` line per problem and nothing on stdout."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import iamsim
from iamsim.cli import main

ALICE = "arn:aws:iam::111111111111:user/alice"
ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
NOW = "2026-06-15T12:45:00Z"
WORLD = Path(__file__).parent / "data" / "world.yaml"

ALLOWED = {
    "id": "alice-assumes",
    "caller": ALICE,
    "role_arn": ROLE,
    "session_name": "dev-session",
    "external_id": "my-secret-123",
    "now": NOW,
    "expect": "allowed",
}
WRONG_ID = {
    "id": "wrong-external-id",
    "caller": ALICE,
    "role_arn": ROLE,
    "session_name": "dev-session",
    "external_id": "not-the-secret",
    "now": NOW,
    "denied_by": {"side": "target", "policy_type": "trust"},
}
NO_EXPECTATION = {
    "caller": ALICE,
    "action": "s3:DeleteObject",
    "resource": "arn:aws:s3:::prod-bucket/report.csv",
    "now": NOW,  # the decision carries its time: compared with simulate's, it must be fixed
}


def lines(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def batch(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    *argv: str,
) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_each_request_gets_one_json_line_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = batch(capsys, monkeypatch, lines(ALLOWED, WRONG_ID, NO_EXPECTATION))
    assert (code, err) == (0, "")
    assert [d.get("id") for d in out] == ["alice-assumes", "wrong-external-id", None]
    assert [d["outcome"] for d in out] == ["allowed", "implicitDeny", "implicitDeny"]
    # Each line is the decision in the schema `--output json` prints, plus the record's fields.
    assert all(d["schema"] == "iamsim.decision/1" for d in out)
    assert out[0]["session"]["arn"].endswith("/dev-session")
    assert (out[0]["expect"], out[0]["matched"]) == ("allowed", True)
    assert out[1]["expect"] == "denied" and out[1]["matched"] is True
    assert out[1]["expect_denied_by"] == [{"side": "target", "policy_type": "trust"}]
    assert "expect" not in out[2] and "matched" not in out[2]  # nothing to compare


def test_the_lines_are_what_simulate_and_assume_role_print(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = batch(capsys, monkeypatch, lines(WRONG_ID, NO_EXPECTATION))
    code = main(
        [
            "assume-role",
            *("--caller", ALICE, "--role-arn", ROLE, "--role-session-name", "dev-session"),
            *("--external-id", "not-the-secret", "--now", NOW, "--output", "json"),
        ]
    )
    single = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {k: v for k, v in out[0].items() if k not in RECORD_FIELDS} == single
    simulate = ["simulate", "--caller", ALICE, "--action", "s3:DeleteObject"]
    resource = ["--resource", "arn:aws:s3:::prod-bucket/report.csv"]
    main([*simulate, *resource, "--now", NOW, "--output", "json"])
    assert out[1] == json.loads(capsys.readouterr().out)


RECORD_FIELDS = ("id", "expect", "expect_denied_by", "matched", "mismatch")


def test_a_mismatch_exits_1_and_says_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = {**WRONG_ID, "denied_by": {"side": "source"}}
    code, out, err = batch(capsys, monkeypatch, lines(ALLOWED, wrong))
    assert (code, err) == (1, "")
    assert out[0]["matched"] is True and out[1]["matched"] is False
    assert out[1]["mismatch"] == (
        "expected denied by the source side; denied by the target side's role trust policy "
        "(implicit)"
    )
    expect_allowed = {**WRONG_ID, "expect": "allowed"}
    del expect_allowed["denied_by"]
    code, out, _ = batch(capsys, monkeypatch, lines(expect_allowed))
    assert code == 1 and out[0]["mismatch"] == "expected allowed, got implicitDeny"


def test_blank_lines_are_ignored_and_numbers_stay_true(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = batch(capsys, monkeypatch, "\n   \n" + lines(ALLOWED) + "\n\n")
    assert code == 0 and len(out) == 1
    code, out, err = batch(capsys, monkeypatch, "\n\n" + lines({"caller": ALICE}))
    assert code == 2 and out == []
    assert err.splitlines()[0] == "iamsim: error: <stdin>:3: action: action is required"


def test_every_bad_line_is_reported_and_no_decision_is_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = lines(
        ALLOWED,
        {"caller": 7, "action": "s3:GetObject", "resource": "*"},
        "[1, 2]",
        "{not json",
        {**ALLOWED, "expect": "allow"},
        {**NO_EXPECTATION, "contxt": {}},
        '{"caller": "a", "action": "s3:GetObject", "resource": NaN}',
    )
    code, out, err = batch(capsys, monkeypatch, stdin)
    assert code == 2 and out == []
    assert err.splitlines() == [
        "iamsim: error: <stdin>:2: caller: caller must be an ARN string, not a number 7",
        "iamsim: error: <stdin>:3: a request record is a mapping, not a list",
        "iamsim: error: <stdin>:4: not JSON: Expecting property name enclosed in double quotes "
        "at column 2",
        "iamsim: error: <stdin>:5: expect: expect must be `allowed` or `denied`, not 'allow' "
        "(did you mean `allowed`?)",
        "iamsim: error: <stdin>:6: contxt: unknown key 'contxt' (did you mean `context`?)",
        "iamsim: error: <stdin>:7: not JSON: NaN is not JSON",
    ]


def test_a_request_the_world_cannot_ask_is_bad_input_for_the_whole_batch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = {**NO_EXPECTATION, "id": "bob", "caller": "arn:aws:iam::111111111111:user/bob"}
    short = {**ALLOWED, "id": "short", "session_name": "x"}
    code, out, err = batch(capsys, monkeypatch, lines(ALLOWED, bob, short))
    assert code == 2 and out == []
    problems = err.splitlines()
    assert len(problems) == 2
    assert problems[0].startswith("iamsim: error: <stdin>:2 (bob): no user ")
    assert problems[1].startswith("iamsim: error: <stdin>:3 (short): 1 validation error")


def test_input_file_explain_and_the_file_name_in_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    requests.write_text(lines(WRONG_ID), encoding="utf-8")
    code = main(["batch", "--input", str(requests), "--explain"])
    (line,) = capsys.readouterr().out.splitlines()
    decision = json.loads(line)
    assert code == 0
    assert decision["explanation"].splitlines()[0].startswith("Denied: ")
    assert "Target side" in decision["explanation"]
    requests.write_text(lines(ALLOWED, {"id": 1}), encoding="utf-8")
    assert main(["batch", "--input", str(requests)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[0].startswith(
        f"iamsim: error: {requests}:2: caller: caller is required"
    )
    assert main(["batch", "--input", str(tmp_path / "missing.jsonl")]) == 2
    assert "--input: cannot read" in capsys.readouterr().err


def test_as_a_user_types_it_twice_the_second_time_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = tmp_path / "world.yaml"
    iamsim.World.demo().dump(world)
    requests = tmp_path / "requests.jsonl"
    requests.write_text(lines(ALLOWED, WRONG_ID), encoding="utf-8")
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        with requests.open("rb") as stdin:
            return subprocess.run(
                [sys.executable, "-m", "iamsim", "batch", "--world", str(world), *extra],
                stdin=stdin,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

    first = run()
    assert (first.returncode, first.stderr) == (0, "")
    out = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(d["id"], d["matched"]) for d in out] == [
        ("alice-assumes", True),
        ("wrong-external-id", True),
    ]
    assert len(list((cache / "iamsim").glob("*.pickle"))) == 1
    assert run().stdout == first.stdout  # a cache hit
    assert run("--no-cache").stdout == first.stdout


def test_stdin_that_is_not_utf8_or_a_world_that_does_not_load_is_one_line(
    tmp_path: Path,
) -> None:
    def run(stdin: bytes, *argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "iamsim", "batch", *argv],
            input=stdin,
            capture_output=True,
            timeout=120,
            check=False,
        )

    done = run(b'{"caller": "\xff"}\n')
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.decode() == "iamsim: error: <stdin>: not UTF-8 text (byte 13)\n"
    done = run(lines(ALLOWED).encode(), "--world", str(tmp_path / "missing.yaml"))
    assert (done.returncode, done.stdout) == (2, b"")
    (line,) = done.stderr.decode().splitlines()
    assert line.startswith("iamsim: error: ") and "missing.yaml" in line
