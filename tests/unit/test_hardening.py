"""Hardening: inputs from the issue "Fidelity and hardening" end in an IamsimError."""

from __future__ import annotations

from pathlib import Path

import pytest

import iamsim
from iamsim.cli import main
from iamsim.errors import WorldError

ALICE = "arn:aws:iam::111111111111:user/alice"
SIMULATE = ["simulate", "--caller", ALICE, "--action", "s3:GetObject", "--resource", "*"]


def cli_error(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Run the command line: exit 2, nothing on stdout, no traceback; stderr's lines."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(line.startswith("iamsim: error: ") for line in lines)
    return lines


# ------------------------------------------------ 8. YAML tags whose value does not fit

YAML_TAGS = [
    ("!!float x", '2:11: "x" is not a valid !!float value'),
    ("!!int x", '2:11: "x" is not a valid !!int value'),
    ("!!bool x", '2:11: "x" is not a valid !!bool value'),
    ("!!timestamp x", '2:11: "x" is not a valid !!timestamp value'),
    (
        "!!timestamp 2020-13-45",
        '2:11: "2020-13-45" is not a valid !!timestamp value (month must be in 1..12)',
    ),
    ("!!map [a]", "2:11: a sequence cannot be tagged !!map"),
    ("[1, !!int 0x]", '2:15: "0x" is not a valid !!int value'),
]


@pytest.mark.parametrize(("value", "message"), YAML_TAGS)
def test_yaml_tag_misfit_is_a_world_error(tmp_path: Path, value: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(f"# a world\naccounts: {value}\n")
    with pytest.raises(WorldError) as caught:
        iamsim.World.load(path)
    (problem,) = caught.value.problems
    assert problem.location is not None
    assert (problem.code, problem.path) == ("file.syntax", str(path))
    assert problem.location.file == str(path)
    assert f"{problem.location.line}:{problem.location.column}: {problem.message}" == message


@pytest.mark.parametrize(("value", "message"), YAML_TAGS)
def test_yaml_tag_misfit_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, message: str
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(f"# a world\naccounts: {value}\n")
    assert cli_error(capsys, *SIMULATE, "--world", str(path)) == [
        f"iamsim: error: {path}:{message}"
    ]


# ------------------------------------------- 9. Python data nested a thousand levels deep


def nested_dicts(depth: int) -> object:
    value: object = "111111111111"
    for _ in range(depth):
        value = {"a": value}
    return value


def nested_lists(depth: int) -> object:
    value: object = "111111111111"
    for _ in range(depth):
        value = [value]
    return value


def _deep_document(where: str) -> tuple[object, str]:
    """A world document holding 1,000 levels at `where`, and the path reported for it: that
    of the first value at level 101 (the document itself is level 1)."""
    if where == "management_account":
        org = {"management_account": nested_dicts(1000)}
        doc = {"accounts": {"111111111111": {}}, "organization": org}
        return doc, "organization.management_account" + ".a" * 98
    doc = {
        "accounts": {"111111111111": {}},
        "organization": {"root": {"accounts": nested_lists(1000)}},
    }
    return doc, "organization.root.accounts" + "[0]" * 97


@pytest.mark.parametrize("where", ["management_account", "ou accounts"])
def test_from_dict_refuses_a_thousand_levels(where: str) -> None:
    doc, path = _deep_document(where)
    with pytest.raises(WorldError) as caught:
        iamsim.World.from_dict(doc)  # type: ignore[arg-type]
    problems = caught.value.problems
    depth = [p for p in problems if p.code == "value.depth"]
    if depth:
        # The checks exhausted the stack (CPython 3.11): the iterative pass names the first
        # value past level 100, and nothing else.
        assert [(p.code, p.path) for p in problems] == [("value.depth", path)]
        assert depth[0].message == "the world document is nested more than 100 levels deep"
    else:
        # Newer CPythons recurse deep enough for the checks themselves to name the value
        # that is no account ID, at its path.
        assert any(p.code == "account.id" and path.startswith(p.path) for p in problems)


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (nested_dicts(1000), "a"),
        ({"accounts": {"111111111111": {"policies": {"p.q": nested_dicts(1000)}}}}, "accounts"),
        ({"accounts": {"111111111111": {"users": {"u": {"tags": nested_lists(999)}}}}}, "accounts"),
    ],
)
def test_from_dict_with_a_thousand_levels_elsewhere(doc: object, path: str) -> None:
    """Where the checks stop before the depth matters, their own problems stand."""
    with pytest.raises(WorldError) as caught:
        iamsim.World.from_dict(doc)  # type: ignore[arg-type]
    assert all(p.path.startswith(path) for p in caught.value.problems)


def test_from_dict_of_a_document_that_contains_itself() -> None:
    doc: dict[str, object] = {"accounts": {"111111111111": {}}, "organization": {}}
    doc["organization"]["management_account"] = doc  # type: ignore[index]
    with pytest.raises(WorldError) as caught:
        iamsim.World.from_dict(doc)
    assert "organization.management_account" in [p.path for p in caught.value.problems]


def test_the_depth_walk_survives_a_document_that_contains_itself() -> None:
    from iamsim.world.load import _too_deep_at

    doc: dict[str, object] = {}
    doc["a"] = [doc]
    assert _too_deep_at(doc, 100) == "a[0]" + ".a[0]" * 49


@pytest.mark.parametrize(
    "doc",
    [
        nested_dicts(1000),
        nested_lists(1000),
        {"Version": "2012-10-17", "Statement": nested_lists(1000)},
        '{"a":' * 1000 + "1" + "}" * 1000,
        "[" * 1000 + "]" * 1000,
    ],
)
def test_policy_from_a_thousand_levels(doc: object) -> None:
    with pytest.raises(iamsim.PolicyError):
        iamsim.Policy.from_json(doc)  # type: ignore[arg-type]


# ------------------------------------- 10. fixes for anonymous callers and service principals

ROLE = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"


@pytest.mark.parametrize(
    ("caller", "action", "resource"),
    [
        ("anonymous", "sts:AssumeRole", "*"),
        ("anonymous", "sts:GetCallerIdentity", "*"),
        ("anonymous", "sts:AssumeRole", ROLE),
        ("anonymous", "sts:AssumeRole", "arn:aws:iam::222222222222:role/Missing"),
        ("sns.amazonaws.com", "sts:AssumeRole", "*"),
        ("s3.amazonaws.com", "sts:AssumeRole", "arn:aws:iam::222222222222:user/not-a-role"),
    ],
)
def test_fixes_for_callers_without_an_identity(caller: str, action: str, resource: str) -> None:
    decision = iamsim.World.demo().simulate(caller, action, resource)
    assert not decision.allowed
    fixes = decision.suggest_fixes()
    # One fix a denial, each a report: nothing the user controls can allow these.
    assert [(f.side, f.policy_type) for f in fixes] == [
        (d.side, d.policy_type) for d in decision.denied_by
    ]
    assert all(f.apply is None and f.request is None for f in fixes)
    assert all(f.description for f in fixes)


def test_anonymous_sts_fix_never_opens_the_trust_policy() -> None:
    decision = iamsim.World.demo().simulate("anonymous", "sts:AssumeRole", ROLE)
    (service, trust) = decision.suggest_fixes()
    assert (service.side, service.policy_type) == ("source", "service")
    assert (trust.side, trust.policy_type, trust.apply) == ("target", "trust", None)
    assert trust.description.startswith(f"No change to the role trust policy of {ROLE} can")
    assert "sts does not accept anonymous (unsigned) requests" in trust.description


def test_a_service_principal_is_told_to_name_a_role() -> None:
    decision = iamsim.World.demo().simulate("sns.amazonaws.com", "sts:AssumeRole", "*")
    (fix,) = decision.suggest_fixes()
    assert fix.apply is None
    assert fix.description.startswith("* is not a role: sts:AssumeRole is called on a role")


def test_anonymous_s3_still_gets_a_verified_bucket_policy_fix() -> None:
    decision = iamsim.World.demo().simulate(
        "anonymous", "s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv"
    )
    (fix,) = decision.suggest_fixes()
    assert fix.apply is not None
    from iamsim.fixes import replay

    assert replay(decision, [fix]).allowed


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("caller", ["anonymous", "sns.amazonaws.com"])
def test_suggest_on_the_command_line(
    capsys: pytest.CaptureFixture[str], caller: str, output: str
) -> None:
    argv = ["simulate", "--caller", caller, "--action", "sts:AssumeRole", "--resource", "*"]
    code = main([*argv, "--suggest", "--output", output])
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    if output == "json":
        import json

        fixes = json.loads(out)["suggested_fixes"]
        assert fixes and not any(f["applies_to_world"] for f in fixes)
    else:
        assert "Suggested fixes:" in out


# ------------------------------------------------- 11. endless or huge input files

ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not ZERO.exists(), reason="no /dev/zero here")
ASSUME = [
    "assume-role",
    "--caller",
    ALICE,
    "--role-arn",
    ROLE,
    "--role-session-name",
    "dev-session",
    "--external-id",
    "my-secret-123",
]
SMALL_WORLD = '{"accounts": {"111111111111": {}}}'
POLICY = (
    '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'
)


def refused(path: Path, **kwargs: object) -> iamsim.Problem:
    with pytest.raises(WorldError) as caught:
        iamsim.World.load(path, **kwargs)  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    return problem


@needs_dev_zero
def test_a_world_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "world.json"
    link.symlink_to(ZERO)
    problem = refused(link)
    assert (problem.code, problem.path) == ("file.not_regular", str(link))
    assert problem.message == (
        "not a regular file (a character device); iamsim reads only regular files"
    )


def test_a_pipe_or_directory_is_refused_without_waiting(tmp_path: Path) -> None:
    import os

    (tmp_path / "dir.yaml").mkdir()  # a directory is read as a directory of AWS CLI outputs
    assert refused(tmp_path / "dir.yaml").message.startswith("the directory holds no .json")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")  # opening it to read would wait for a writer
        assert refused(tmp_path / "pipe.yaml").message.startswith("not a regular file (a pipe)")


def test_the_size_limit_as_a_keyword(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(SMALL_WORLD)
    size = len(SMALL_WORLD)
    assert iamsim.World.load(path, max_bytes=size).account("111111111111") is not None
    problem = refused(path, max_bytes=size - 1)
    assert (problem.code, problem.path) == ("file.too_large", str(path))
    assert problem.message == f"the file is larger than the input limit of {size - 1} bytes"
    assert problem.hint == "set IAMSIM_MAX_INPUT_BYTES to a larger number of bytes to read it"


@pytest.mark.parametrize("bad", [-1, True, "10", 1.5])
def test_a_bad_size_limit_is_a_world_error(tmp_path: Path, bad: object) -> None:
    path = tmp_path / "w.json"
    path.write_text(SMALL_WORLD)
    assert refused(path, max_bytes=bad).code == "file.limit"


def test_the_size_limit_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamsim.world.files import DEFAULT_MAX_INPUT_BYTES, max_input_bytes

    assert DEFAULT_MAX_INPUT_BYTES == 1 << 30 == max_input_bytes()
    path = tmp_path / "w.json"
    path.write_text(SMALL_WORLD)
    monkeypatch.setenv("IAMSIM_MAX_INPUT_BYTES", "10")
    assert refused(path).message == "the file is larger than the input limit of 10 bytes"
    assert iamsim.World.load(path, max_bytes=100).account("111111111111") is not None
    monkeypatch.setenv("IAMSIM_MAX_INPUT_BYTES", "lots")
    problem = refused(path)
    assert (problem.code, problem.hint) == ("file.limit", "unset it for the default of 1 GiB")
    assert problem.message == "IAMSIM_MAX_INPUT_BYTES must be a whole number of bytes, not 'lots'"


def test_at_most_limit_plus_one_bytes_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose size is not known in advance (as in /proc) is read only up to the limit."""
    import os

    from iamsim.world import files

    path = tmp_path / "w.json"
    path.write_bytes(b" " * 5_000_000)
    real_fstat, real_open = os.fstat, open
    read: list[int] = []

    class Unsized:
        def __init__(self, status: os.stat_result) -> None:
            self.st_mode, self.st_size = status.st_mode, 0

    class Counting:
        def __init__(self, file: object) -> None:
            self.file = file

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.file.close()  # type: ignore[attr-defined]

        def fileno(self) -> int:
            return self.file.fileno()  # type: ignore[attr-defined,no-any-return]

        def read(self, n: int) -> bytes:
            chunk: bytes = self.file.read(n)  # type: ignore[attr-defined]
            read.append(len(chunk))
            return chunk

    monkeypatch.setattr(files.os, "fstat", lambda fd: Unsized(real_fstat(fd)))
    monkeypatch.setattr(files, "open", lambda *a, **k: Counting(real_open(*a, **k)), raising=False)
    assert refused(path, max_bytes=1000).code == "file.too_large"
    assert sum(read) == 1001


@needs_dev_zero
def test_the_command_line_refuses_dev_zero(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    link = tmp_path / "world.json"
    link.symlink_to(ZERO)
    assert cli_error(capsys, *SIMULATE, "--world", str(link)) == [
        f"iamsim: error: {link}: not a regular file (a character device); "
        "iamsim reads only regular files"
    ]
    for given in ("file:///dev/zero", "@/dev/zero", "fileb:///dev/zero"):
        assert cli_error(capsys, *ASSUME, "--policy", given) == [
            "iamsim: error: --policy: /dev/zero: not a regular file (a character device); "
            "iamsim reads only regular files"
        ]


def test_the_command_line_applies_the_size_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(POLICY)
    assert main([*ASSUME, "--policy", f"file://{policy}"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("IAMSIM_MAX_INPUT_BYTES", "20")
    assert cli_error(capsys, *ASSUME, "--policy", f"file://{policy}") == [
        f"iamsim: error: --policy: {policy}: the file is larger than the input limit of 20 "
        "bytes (set IAMSIM_MAX_INPUT_BYTES to a larger number of bytes to read it)"
    ]
    world = tmp_path / "w.json"
    world.write_text(SMALL_WORLD)
    assert cli_error(capsys, *SIMULATE, "--world", str(world)) == [
        f"iamsim: error: {world}: the file is larger than the input limit of 20 bytes "
        "(set IAMSIM_MAX_INPUT_BYTES to a larger number of bytes to read it)"
    ]


# ------------------------------------------- 13. fix suggestions grow with the world, linearly

B_ACCOUNT = "222222222222"
ARN = "arn:aws:s3:::"


def many_statement_world(statements: int, *, last_meets: bool) -> iamsim.World:
    """A bucket policy of `statements` statements, each for another user and each with a
    condition; the caller is none of them, and (unless `last_meets`) meets no condition."""
    stmts = []
    for i in range(statements):
        team = "blue" if last_meets and i == statements - 1 else f"team{i}"
        stmts.append(
            {
                "Sid": f"S{i}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::111111111111:user/u{i}"},
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::bucket/*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": team}},
            }
        )
    users: dict[str, object] = {
        f"u{i}": {
            "policies": [
                {
                    "Version": "2012-10-17",
                    "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": f"{ARN}b{i}"},
                }
            ]
        }
        for i in range(statements)
    }
    users["caller"] = {
        "tags": {"team": "blue"},
        "policies": [
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            }
        ],
    }
    bucket = {"policy": {"Version": "2012-10-17", "Statement": stmts}}
    return iamsim.World.from_dict(
        {
            "accounts": {
                "111111111111": {"users": users},
                B_ACCOUNT: {"resources": {"arn:aws:s3:::bucket": bucket}},
            }
        }
    )


def counted_fixes(
    monkeypatch: pytest.MonkeyPatch, world: iamsim.World
) -> tuple[tuple[iamsim.Fix, ...], int]:
    """The fixes of the caller's denied GetObject, and how many worlds were built for them."""
    from iamsim.world import index

    decision = world.simulate(
        "arn:aws:iam::111111111111:user/caller", "s3:GetObject", "arn:aws:s3:::bucket/k"
    )
    builds = []
    original = index.WorldIndex.__init__

    def counting(self: index.WorldIndex, *args: object) -> None:
        builds.append(1)
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(index.WorldIndex, "__init__", counting)
    fixes = tuple(decision.suggest_fixes())
    monkeypatch.undo()
    return fixes, len(builds)


@pytest.mark.parametrize("last_meets", [False, True])
def test_fix_search_builds_as_many_worlds_for_60_statements_as_for_3(
    monkeypatch: pytest.MonkeyPatch, last_meets: bool
) -> None:
    """Each statement that failed only on its Principal was extended and verified in a new
    world of its own: N statements cost N worlds of N statements (minutes for a few
    thousand). Now one probe finds the statements whose conditions hold."""
    few_fixes, few = counted_fixes(monkeypatch, many_statement_world(3, last_meets=last_meets))
    many_fixes, many = counted_fixes(monkeypatch, many_statement_world(60, last_meets=last_meets))
    assert many == few <= 4
    (fix,) = many_fixes
    assert (fix.side, fix.policy_type, fix.apply is not None) == ("target", "resource", True)
    if last_meets:  # the one statement whose condition the caller meets is the one extended
        assert "with the conditions of S59" in fix.description
    else:
        assert fix.description.startswith(
            "Add to the resource-based policy of arn:aws:s3:::bucket a statement allowing "
            "arn:aws:iam::111111111111:user/caller to perform s3:GetObject on"
        )
    assert [f.description for f in few_fixes] == [
        f.description.replace("S59", "S2") for f in many_fixes
    ]


def test_a_rebuilt_world_compiles_only_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compile cache held the last 4,096 policies: a world of more was compiled again in
    full for every fix verified on a copy of it. Policies still in use are compiled once."""
    from iamsim import compile as compiling

    world = many_statement_world(200, last_meets=False)
    compiling._compile_recent.cache_clear()  # as if a larger world had pushed all out
    compiled: list[int] = []
    original = compiling._statement

    def counting(*args: object) -> object:
        compiled.append(1)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(compiling, "_statement", counting)
    counted_fixes(monkeypatch, world)
    # The bucket policy (200 statements), compiled on its first use by the denied decision
    # (policies compile on first use, not when the world is built); the fixes' own policies:
    # the probe (2 x 200 statements), the new bucket policy (201); not the 200 users'
    # policies again for each world built.
    assert len(compiled) <= 200 + 2 * 200 + 201 + 5


# ----------------------------------------------------------- found by the long fuzz run


@pytest.mark.parametrize("value", ["!!float", "!!float ''", "!!int ''", "[!!float ]"])
def test_an_empty_tagged_number_is_a_world_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "w.yml"
    path.write_text(f"accounts: {value}\n")
    with pytest.raises(WorldError) as caught:
        iamsim.World.load(path)
    (problem,) = caught.value.problems
    assert problem.code == "file.syntax"
    assert "is not a valid !!" in problem.message


def test_a_yaml_escape_past_the_last_code_point_is_a_world_error(tmp_path: Path) -> None:
    path = tmp_path / "w.yml"
    path.write_text('accounts:\n  "a\\U001e9991b": {}\n')
    with pytest.raises(WorldError) as caught:
        iamsim.World.load(path)
    (problem,) = caught.value.problems
    assert problem.location is not None
    assert (problem.code, problem.location.line, problem.location.column, problem.message) == (
        "file.syntax",
        2,
        5,
        "the \\U escape names a code point past U+10FFFF",
    )
