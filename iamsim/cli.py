"""The `iamsim` command line: replay AWS IAM decisions offline, from a shell.

    iamsim demo                      replay the cross-account page, each failure diagnosed
    iamsim assume-role --caller ARN --role-arn ARN --role-session-name NAME [...]
    iamsim simulate --caller ARN --action ACTION --resource ARN [...]
    iamsim import PATH... [--out world.yaml]   AWS exports → one world document
    iamsim why TEXT|FILE             replay an AccessDenied message or CloudTrail records
    iamsim lint [--world FILE]       the cross-account best practices the world breaks
    iamsim check EXPECTATIONS.yaml [--world FILE]   every row gets the answer it expects
    iamsim batch [--world FILE] < requests.jsonl    one JSON decision a line, world loaded once
    iamsim completion bash|zsh       the shell completion script

Without `--world FILE` both questions are asked of the embedded seed world
(`World.demo()`): user alice in 111111111111, role CrossAccountS3Reader in
222222222222 trusting 111111111111 with external ID my-secret-123. A `--world` is read
through the cache of loaded worlds (`iamsim.inputs.cache`) unless `--no-cache` or
`IAMSIM_NO_CACHE` is given.

Exit codes:

    0  the request is allowed (and `iamsim demo`, `--help`, `--version`)
    1  the request is denied; stdout holds AWS's error text and the diagnosis
    2  bad input: a usage error, an unreadable or invalid world file, a malformed
       policy or --context, a parameter STS itself would reject (ValidationError),
       an unknown caller. stderr holds one line per problem, never a traceback.

(A reader that goes away, as in `iamsim demo | head`, ends the command quietly
with 141; Ctrl-C with 130, as shells report them.)

Bad input is reported as `iamsim: error: <problem>`; a parameter STS rejects is
reported as the AWS CLI reports it (`An error occurred (ValidationError) when
calling the AssumeRole operation: …`). Any other exception is a bug in iamsim
and propagates with its traceback.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, NoReturn, TextIO

import attrs

from iamsim import __version__
from iamsim.decision import POLICY_TYPE_WORDS, Decision
from iamsim.errors import (
    IamsimError,
    IamsimWarning,
    PolicyError,
    ValidationError,
    WorldError,
    did_you_mean,
    one_line,
)
from iamsim.inputs.cache import NO_CACHE_ENV, load_world
from iamsim.inputs.session_file import SessionFileError, session_from_data
from iamsim.parse.typos import action_problem, context_problems
from iamsim.render.aws import cli_error
from iamsim.request import MAX_YEAR, MIN_YEAR
from iamsim.session import RoleSession
from iamsim.sts_federated import decode_jwt
from iamsim.world import World
from iamsim.world.context import REGION
from iamsim.world.demo import DEMO_NOW, scenarios
from iamsim.world.dump import dump_text
from iamsim.world.files import InputRefused, json_int, read_input_file
from iamsim.world.gather import REQUEST_ACTION

__all__ = ["EXIT_ALLOWED", "EXIT_BAD_INPUT", "EXIT_DENIED", "build_parser", "main"]

EXIT_ALLOWED = 0
EXIT_DENIED = 1
EXIT_BAD_INPUT = 2
_EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a killed writer
_EXIT_INTERRUPTED = 130  # 128 + SIGINT
_MAX_SHOWN = 60  # characters of a value echoed in an error
_MAX_LINE = 200  # characters of a usage error, which may echo what was typed

_EPILOG = """\
exit codes:
  0  allowed (and demo, --help, --version)
  1  denied: AWS's error text and the diagnosis are printed
  2  bad input: usage error, unreadable or invalid world, malformed policy or
     --context, a parameter STS would reject, unknown caller (one line per
     problem on stderr)

Without --world the embedded seed world is used (alice in 111111111111, role
CrossAccountS3Reader in 222222222222). Colour is used only on a terminal, never
with NO_COLOR set or --no-color.
"""

_ASSUME_EXAMPLE = """\
example:
  iamsim assume-role --caller arn:aws:iam::111111111111:user/alice \\
      --role-arn arn:aws:iam::222222222222:role/CrossAccountS3Reader \\
      --role-session-name dev-session --external-id my-secret-123

"""

_IMPORT_EXAMPLE = """\
example:
  aws iam get-account-authorization-details --output json > exports/111111111111.json
  iamsim import exports/ --out world.yaml

"""

_SIMULATE_EXAMPLE = """\
example:
  iamsim simulate --caller arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev \\
      --action s3:GetObject --resource arn:aws:s3:::prod-bucket/report.csv \\
      --context aws:SourceIp=203.0.113.7

"""


# ----------------------------------------------------------------------------- errors


class _BadInput(Exception):
    """Bad input found by the command line itself: one message per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class _Exit(Exception):
    """argparse wants to stop (after --help or --version)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(status)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports a usage error as one line and never calls sys.exit."""

    def error(self, message: str) -> NoReturn:
        message = one_line(message)  # argparse echoes what was typed, newlines and all
        if len(message) > _MAX_LINE:
            message = message[: _MAX_LINE - 3] + "..."
        raise _BadInput([f"{message} (see `{self.prog} --help`)"])

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)


def _error_lines(exc: IamsimError, operation: str | None) -> list[str]:
    """What the user sees on stderr for an error iamsim raised on purpose: a line a problem."""
    if isinstance(exc, ValidationError) and operation is not None:
        return [
            f"An error occurred ({exc.code}) when calling the {operation} operation: "
            f"{one_line(str(exc))}"
        ]
    lines = [one_line(str(exc))]
    if isinstance(exc, PolicyError | WorldError):
        lines = exc.lines()
    return [f"iamsim: error: {line}" for line in lines]


def _shown(text: str) -> str:
    """`text` quoted for an error message; a long value is cut, with its length."""
    if len(text) <= _MAX_SHOWN:
        return repr(text)
    return f"{text[:_MAX_SHOWN]!r}... ({len(text)} characters)"


def _json_value(text: str) -> Any:
    """JSON text of an option value; ArgumentTypeError saying why (and where) it is not JSON."""
    try:
        return json.loads(text, parse_int=json_int)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{exc.msg} at column {exc.colno}") from None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except RecursionError:
        raise argparse.ArgumentTypeError("nested too deeply") from None


# ---------------------------------------------------------------------- argument types


# `aws iam simulate-custom-policy --context-entries`: the ContextEntry fields (IAM API
# Reference, "ContextEntry") and the ContextKeyType values it lists.
_AWS_CONTEXT_FIELDS = ("ContextKeyName", "ContextKeyValues", "ContextKeyType")
_AWS_CONTEXT_TYPES = ("string", "numeric", "boolean", "ip", "binary", "date")


def _aws_context_entry(text: str) -> tuple[str, object]:
    """The AWS CLI's shorthand `ContextKeyName=K,ContextKeyValues=V1,V2,ContextKeyType=T`
    → (key, value): one value for a scalar type, a list for a `…List` type (or, without a
    type, for several values). The values' form is checked by the key's documented type
    when the request is made, as for `KEY=VALUE`."""
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for token in text.split(","):
        name, sep, rest = token.partition("=")
        if sep and name.strip() in _AWS_CONTEXT_FIELDS:
            current = name.strip()
            if current in fields:
                raise argparse.ArgumentTypeError(f"{_shown(text)}: {current} is given twice")
            fields[current] = [rest]
        elif current == "ContextKeyValues":
            fields[current].append(token)
        else:
            raise argparse.ArgumentTypeError(
                f"{_shown(text)}: {_shown(token)} is not one of "
                f"{', '.join(f + '=' for f in _AWS_CONTEXT_FIELDS)}"
            )
    name = fields.get("ContextKeyName", [""])[0].strip()
    values = fields.get("ContextKeyValues")
    if not name or values is None:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} needs ContextKeyName= and ContextKeyValues= (for example "
            "ContextKeyName=aws:SourceIp,ContextKeyValues=203.0.113.7,ContextKeyType=ip)"
        )
    kind = fields.get("ContextKeyType", [""])[0].strip()
    if not kind:
        return name, values[0] if len(values) == 1 else values
    base = kind.removesuffix("List")
    if base not in _AWS_CONTEXT_TYPES:
        choices = [*_AWS_CONTEXT_TYPES, *(t + "List" for t in _AWS_CONTEXT_TYPES)]
        hint = did_you_mean(kind, choices) or "use one of " + ", ".join(choices)
        raise argparse.ArgumentTypeError(
            f"{_shown(text)}: unknown ContextKeyType {_shown(kind)} ({hint})"
        )
    if kind.endswith("List"):
        return name, values
    if len(values) != 1:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)}: ContextKeyType={kind} takes one value; for several write "
            f"ContextKeyType={kind}List"
        )
    return name, values[0]


def _context_item(text: str) -> tuple[str, object]:
    """`KEY=VALUE` → (key, value); a VALUE starting with `[` is a JSON list. The AWS CLI's
    `ContextKeyName=…,ContextKeyValues=…[,ContextKeyType=…]` form is read as AWS reads it."""
    if text.lstrip().startswith(_AWS_CONTEXT_FIELDS):
        return _aws_context_entry(text.strip())
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not KEY=VALUE (for example aws:SourceIp=203.0.113.7)"
        )
    if value.lstrip().startswith("["):
        try:
            parsed = _json_value(value)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(
                f"{_shown(key)}: the value {_shown(value)} is not a JSON list ({exc})"
            ) from None
        if not isinstance(parsed, list) or any(
            isinstance(v, dict | list) or v is None for v in parsed
        ):
            raise argparse.ArgumentTypeError(
                f"{_shown(key)}: the value {_shown(value)} is not a JSON list of strings, "
                "numbers or booleans"
            )
        return key, parsed
    return key, value


def _tag_items(text: str) -> list[tuple[str, str]]:
    """`Key=k,Value=v` (the AWS CLI shorthand), `k=v`, or a JSON list of {Key, Value}."""
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            parsed = _json_value(stripped)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not valid JSON ({exc})") from None
        items = parsed if isinstance(parsed, list) else [parsed]
        out = []
        for item in items:
            if not (isinstance(item, dict) and set(item) == {"Key", "Value"}):
                raise argparse.ArgumentTypeError(
                    f"{_shown(text)}: each tag must be an object with Key and Value"
                )
            if not (isinstance(item["Key"], str) and isinstance(item["Value"], str)):
                raise argparse.ArgumentTypeError(
                    f"{_shown(text)}: a tag's Key and Value must be strings "
                    '(write "" for an empty value)'
                )
            out.append((item["Key"], item["Value"]))
        return out
    for first, second in (("Key=", ",Value="), ("Value=", ",Key=")):
        if stripped.startswith(first):  # the AWS CLI shorthand, never a tag named Key
            head, sep, tail = stripped[len(first) :].partition(second)
            if not sep:
                raise argparse.ArgumentTypeError(
                    f"{_shown(text)} has no {second[1:-1]}: write Key=project,Value=reports"
                )
            return [(head, tail) if first == "Key=" else (tail, head)]
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a tag (Key=project,Value=reports or project=reports)"
        )
    return [(key, value)]


def _policy_arn(text: str) -> str:
    """A policy ARN, bare or in the AWS CLI shorthand `arn=ARN`."""
    return text[len("arn=") :] if text.startswith("arn=") else text


def _timestamp(text: str) -> _dt.datetime:
    """--now: an ISO 8601 time (naive means UTC) in the years iamsim can simulate."""
    try:
        moment = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not an ISO 8601 time (for example 2026-06-15T12:45:00Z)"
        ) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        # Session expiry and epoch arithmetic need room on both sides of the clock.
        raise argparse.ArgumentTypeError(
            f"{_shown(text)}: the year must be in {MIN_YEAR}..{MAX_YEAR}"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _seconds(text: str) -> int:
    """--duration-seconds: a whole number (STS checks its range, in its own words)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 10):
        raise argparse.ArgumentTypeError(
            f"invalid int value: {_shown(text)} (a whole number of seconds, such as 3600)"
        )
    return int(digits)


def _action(text: str) -> str:
    """--action: one action, `service:Action` (a request names no wildcard)."""
    if not REQUEST_ACTION.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not an action: expected service:Action, such as s3:GetObject "
            "(letters, digits, '-', '_' and '.'; no wildcards or spaces)"
        )
    return text


def _context(items: Sequence[tuple[str, object]] | None) -> dict[str, object] | None:
    """Merge --context items; a key given twice (in any case) becomes a list of values."""
    if not items:
        return None
    out: dict[str, object] = {}
    spelling: dict[str, str] = {}
    for key, value in items:
        name = spelling.setdefault(key.lower(), key)
        if name not in out:
            out[name] = value
            continue
        before = out[name]
        merged = list(before) if isinstance(before, list) else [before]
        merged += value if isinstance(value, list) else [value]
        out[name] = merged
    return out


def _request_context(
    args: argparse.Namespace, action: str | None = None
) -> dict[str, object] | None:
    """The merged --context; with --strict, an unknown context key (or `action`) is bad input
    (without it, the world's warning)."""
    context = _context(args.context)
    if getattr(args, "strict", False):
        problems = context_problems(context or {}, "--context")
        found = None if action is None else action_problem(action, "--action")
        problems += [found] if found is not None else []
        if problems:
            raise _BadInput([p.line() for p in problems])
    return context


def _read_text(path: str, option: str = "") -> str:
    """The UTF-8 text of a file named on the command line: a regular file only, at most
    $IAMSIM_MAX_INPUT_BYTES (never /dev/zero read whole); one bad-input line, naming the
    option, when it cannot be read."""
    said = f"{option}: " if option else ""
    try:
        return read_input_file(path).decode("utf-8-sig")
    except InputRefused as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        raise _BadInput([f"{said}{path}: {exc.message}{hint}"]) from None
    except OSError as exc:
        raise _BadInput([f"{said}cannot read {path}: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise _BadInput([f"{said}{path} is not UTF-8 text"]) from None
    except ValueError:  # a NUL in the name: no file can have it
        raise _BadInput([f"{said}{_shown(path)} is not a file name"]) from None


def _policy_text(value: str) -> str:
    """--policy: JSON text, or a file named as `file://PATH`, `@PATH` or plainly."""
    if value.startswith(("file://", "fileb://")):
        path = value.split("://", 1)[1]
    elif value.startswith("@"):
        path = value[1:]
    elif value.lstrip().startswith(("{", "[")):
        return value
    elif Path(value).is_file():
        path = value
    else:
        raise _BadInput(
            [
                f"--policy: {_shown(value)} is neither a JSON policy document nor a file "
                "(give JSON text, file://PATH or @PATH)"
            ]
        )

    return _read_text(path, "--policy")


# ------------------------------------------------------------------------------ parser


# What shell completion offers for a file argument (shtab's FILE: its own bash function, zsh's
# `_files`); set on the action, as shtab reads it, without importing shtab to parse a command.
_COMPLETE_FILES = {"bash": "_shtab_compgen_files", "zsh": "_files"}


def _files(action: Any) -> None:
    """Let shell completion offer file names for this option or argument."""
    action.complete = _COMPLETE_FILES


def _add_world(parser: Any, *, text: str | None = None) -> None:
    """`--world`, `--no-cache` and `--strict`: what every command that asks a world reads it
    from, and how."""
    world = parser.add_argument(
        "--world",
        metavar="FILE",
        help=text
        or "world document (.json, .yaml/.yml, .toml), AWS export, or directory of AWS CLI "
        "outputs (docs/world.md); default: the embedded seed world",
    )
    _files(world)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help=f"load --world afresh, not from the cache of loaded worlds in "
        f"$XDG_CACHE_HOME/iamsim (also: {NO_CACHE_ENV}=1)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (an unknown action or condition key, an incomplete export) as errors",
    )


def _add_common(parser: argparse.ArgumentParser, *, aws_output: bool = False) -> None:
    """The world, context and output options shared by assume-role and simulate."""
    output = parser.add_argument_group("world, context and output")
    _add_world(output)
    output.add_argument(
        "--context",
        metavar="KEY=VALUE",
        nargs="+",
        action="extend",
        type=_context_item,
        help="extra request context; repeat a key for a multivalued key, or "
        'give a JSON list: aws:TagKeys=\'["a","b"]\'; the AWS CLI\'s form '
        "ContextKeyName=K,ContextKeyValues=V,...,ContextKeyType=T works too",
    )
    output.add_argument(
        "--region",
        metavar="REGION",
        help="the region the call is made in, as the AWS CLI's --region: it sets "
        "aws:RequestedRegion where the resource's ARN names none (S3, STS); default: "
        "$AWS_REGION, else $AWS_DEFAULT_REGION, else the world's default_region",
    )
    output.add_argument(
        "--now",
        metavar="ISO8601",
        type=_timestamp,
        help="the time of the request (default: now, UTC)",
    )
    output.add_argument(
        "--explain",
        nargs="?",
        const="compact",
        choices=("compact", "full"),
        help="print the explanation: each side, layer and deciding statement, what allows "
        "everything in one line (--explain=full: every policy and statement)",
    )
    output.add_argument(
        "--suggest", action="store_true", help="when denied, print the suggested fixes"
    )
    output.add_argument(
        "--output",
        choices=("text", "json", "aws") if aws_output else ("text", "json"),
        default="text",
        help="text (default); json: the decision in its documented schema, allowed or denied"
        + (
            "; aws: what `aws sts assume-role` prints (Credentials, AssumedRoleUser) when allowed"
            if aws_output
            else ""
        ),
    )
    output.add_argument("--no-color", action="store_true", help="never use ANSI colours")


def build_parser() -> argparse.ArgumentParser:
    """The `iamsim` argument parser (exposed for documentation tools and tests)."""
    parser = _Parser(
        prog="iamsim",
        description="Replay AWS IAM cross-account decisions offline and say which side "
        "failed and why.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"iamsim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = commands.add_parser(
        "demo",
        help="replay the cross-account page: the allowed case, then each failure",
        description="Replay every example of the cross-account page against the embedded\n"
        "seed world: the allowed call, then each classic failure with the error\n"
        "AWS gives, the side that really failed, and the fix.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--no-color", action="store_true", help="never use ANSI colours")

    assume = commands.add_parser(
        "assume-role",
        help="replay `aws sts assume-role` for a caller",
        description="Replay `aws sts assume-role` as CALLER.\n\n"
        "Allowed: print the session (--output json prints what the AWS CLI\n"
        "prints, with fake credentials). Denied: print AWS's error text and\n"
        "which side really failed (source or target), and why.",
        epilog=_ASSUME_EXAMPLE + _EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    assume.add_argument(
        "--caller",
        metavar="ARN",
        help="who calls AssumeRole: a user, role or assumed-role session ARN (with --profile: "
        "whose credentials start the profile's chain)",
    )
    assume.add_argument("--role-arn", metavar="ARN", help="the role to assume")
    assume.add_argument(
        "--role-session-name",
        metavar="NAME",
        help="2 to 64 characters: letters, digits and +=,.@-_",
    )
    profiles = assume.add_argument_group("AWS CLI profiles (instead of --role-arn)")
    profiles.add_argument(
        "--profile",
        metavar="NAME",
        help="replay the AssumeRole chain the AWS CLI runs for this profile",
    )
    profiles.add_argument(
        "--config",
        metavar="FILE",
        help="the AWS config file (default: $AWS_CONFIG_FILE or ~/.aws/config)",
    )
    profiles.add_argument(
        "--credentials", metavar="FILE", help="an AWS credentials file to read profiles from too"
    )
    assume.add_argument(
        "--external-id", metavar="ID", help="the external ID the role's trust policy may require"
    )
    assume.add_argument(
        "--duration-seconds",
        type=_seconds,
        metavar="N",
        help="900 up to the role's maximum session duration (default 3600)",
    )
    assume.add_argument(
        "--policy",
        metavar="JSON|file://PATH",
        help="inline session policy: JSON text, file://PATH, @PATH or a path",
    )
    assume.add_argument(
        "--policy-arns",
        nargs="+",
        action="extend",
        type=_policy_arn,
        metavar="ARN",
        help="managed session policies (ARN or arn=ARN)",
    )
    assume.add_argument(
        "--tags",
        nargs="+",
        action="extend",
        type=_tag_items,
        metavar="Key=K,Value=V",
        help="session tags (Key=k,Value=v or k=v)",
    )
    assume.add_argument(
        "--transitive-tag-keys",
        nargs="+",
        action="extend",
        metavar="KEY",
        help="session tags that pass on to chained sessions",
    )
    assume.add_argument(
        "--source-identity",
        metavar="NAME",
        help="the source identity to set on the session (kept through a role chain)",
    )
    assume.add_argument(
        "--serial-number", metavar="MFA-ARN", help="the MFA device (with --token-code)"
    )
    assume.add_argument(
        "--token-code",
        metavar="[NAME=]CODE",
        action="append",
        help="the 6-digit MFA code; with --profile, one per profile of the chain that sets "
        "mfa_serial: PROFILE=CODE or MFA-SERIAL-ARN=CODE, repeated (a bare CODE when only "
        "one hop needs it)",
    )

    simulate = commands.add_parser(
        "simulate",
        help="would CALLER be allowed ACTION on RESOURCE?",
        description="Evaluate one request (principal, action, resource, context) the way\n"
        "AWS would, and say which side denies it and why.",
        epilog=_SIMULATE_EXAMPLE + _EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    simulate.add_argument(
        "--caller",
        metavar="ARN",
        help="a user, role or assumed-role session ARN, a service principal "
        "(sns.amazonaws.com) or anonymous (or --session)",
    )
    simulate.add_argument(
        "--session",
        metavar="FILE",
        help="act as the session in FILE, as `iamsim assume-role --output json` wrote it: "
        "with its MFA, tags, source identity and session policies (instead of --caller)",
    )
    simulate.add_argument(
        "--action",
        required=True,
        type=_action,
        metavar="ACTION",
        help="service:Action, such as s3:GetObject",
    )
    simulate.add_argument("--resource", required=True, metavar="ARN", help='an ARN or "*"')
    _add_common(assume, aws_output=True)
    _add_common(simulate)
    _add_federated(commands)

    importer = commands.add_parser(
        "import",
        help="read AWS exports (and world documents) into one world document",
        description="Read world documents, `aws iam get-account-authorization-details`\n"
        "outputs and directories of AWS CLI outputs (see docs/world.md), combine\n"
        "them, and write one readable world document that loads back to the same\n"
        "decisions.",
        epilog=_IMPORT_EXAMPLE + _EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _files(
        importer.add_argument(
            "paths", nargs="+", metavar="PATH", help="a file or a directory of AWS CLI outputs"
        )
    )
    _files(
        importer.add_argument(
            "--out",
            metavar="FILE",
            help="the world document to write (.yaml/.yml or .json); default: YAML on stdout",
        )
    )
    importer.add_argument(
        "--strict", action="store_true", help="treat warnings (an incomplete export) as errors"
    )
    importer.add_argument("--no-color", action="store_true", help=argparse.SUPPRESS)
    _add_why(commands)
    _add_reach(commands)
    _add_lint(commands)
    _add_batch(commands)
    check = commands.add_parser(
        "check",
        help="check an expectation table: does every request get the answer it expects?",
        description="Ask each request of an expectation table (docs/testing.md) and compare\n"
        "the answer with the row's `expect` and `denied_by`. Print each mismatch with\n"
        "its explanation, then `N passed, M failed`. Exit 0 when all match, 1 on a\n"
        "mismatch, 2 on bad input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _files(check.add_argument("table", metavar="EXPECTATIONS", help="a .yaml, .yml or .json table"))
    _add_world(check, text="world document (default: the table's `world:`, relative to the table)")
    check.add_argument("--no-color", action="store_true", help="never use ANSI colours")
    completion = commands.add_parser(
        "completion",
        help="print the shell completion script for bash or zsh",
        description="Print a script that completes iamsim's commands and options in bash or\n"
        "zsh. Load it from your shell's start-up file:\n\n"
        '  bash (~/.bashrc):  eval "$(iamsim completion bash)"\n'
        "  zsh  (~/.zshrc):   autoload -Uz compinit && compinit\n"
        '                     eval "$(iamsim completion zsh)"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=_SHELLS, help="the shell to complete in")
    completion.add_argument("--no-color", action="store_true", help=argparse.SUPPRESS)
    return parser


_LINT_EPILOG = """\
exit codes (lint):
  0  no finding at or above --fail-on (without --fail-on: always, when the world loads)
  1  a finding at or above --fail-on
  2  bad input: an unreadable or invalid world file, a usage error

"""


def _add_reach(commands: Any) -> None:
    """`iamsim who-can` and `iamsim reach`: who reaches what (docs/questions.md)."""
    who = commands.add_parser(
        "who-can",
        help="every principal that can perform ACTION on RESOURCE, through AssumeRole hops",
        description="List every principal (users, roles, services, accounts outside the\n"
        "world) that can perform ACTION on RESOURCE, directly or by assuming roles,\n"
        "each with one shortest path and the conditions it needs.",
    )
    who.add_argument("action", type=_action, metavar="ACTION", help="service:Action")
    who.add_argument("resource", metavar="RESOURCE", help="an ARN")
    reach = commands.add_parser(
        "reach",
        help="every role CALLER can become, and how",
        description="List every role CALLER can become in at most --max-hops AssumeRole\n"
        "hops, each with one shortest path and the conditions it needs.",
    )
    reach.add_argument("caller", metavar="CALLER", help="a user, role or service principal")
    for parser in (who, reach):
        _add_world(parser)
        parser.add_argument(
            "--max-hops",
            type=int,
            default=3,
            metavar="N",
            help="at most N AssumeRole hops (default 3)",
        )
        parser.add_argument(
            "--context",
            metavar="KEY=VALUE",
            nargs="+",
            action="extend",
            type=_context_item,
            help="request context every hop carries",
        )
        parser.add_argument(
            "--region",
            metavar="REGION",
            help="the region every call is made in (aws:RequestedRegion where an ARN names "
            "none); default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the world's "
            "default_region",
        )
        parser.add_argument(
            "--output", choices=("text", "json"), default="text", help="text (default) or json"
        )
        parser.add_argument("--no-color", action="store_true", help="never use ANSI colours")


def _add_lint(commands: Any) -> None:
    """`iamsim lint`: the cross-account best practices the world breaks."""
    lint = commands.add_parser(
        "lint",
        help="check the world against the cross-account best practices",
        description="Check every trust, identity and resource-based policy of the world\n"
        "against the cross-account best practices (docs/questions.md): each finding\n"
        "with its rule, severity, account, path in the world document and a verified fix.",
        epilog=_LINT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_world(lint)
    lint.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="text (default), json, or sarif (SARIF 2.1.0 for code scanning)",
    )
    lint.add_argument(
        "--fail-on",
        choices=("critical", "high", "medium", "low", "info"),
        metavar="SEVERITY",
        help="exit 1 when a finding is this severe or more: critical, high, medium, low, info",
    )
    lint.add_argument("--no-color", action="store_true", help="never use ANSI colours")


_BATCH_EPILOG = """\
example (requests.jsonl holds one request record a line, such as
{"id": "r1", "caller": "arn:aws:iam::111111111111:user/alice", "action": "s3:GetObject",
 "resource": "arn:aws:s3:::prod-bucket/report.csv", "expect": "denied"}):
  iamsim batch --world world.yaml < requests.jsonl

exit codes (batch):
  0  every request was answered (allowed or denied) and every `expect` matched
  1  a request's answer does not match its `expect` or `denied_by`
  2  bad input: a line that is not a request record, a request the world cannot ask
     (an unknown caller, a parameter STS rejects), an unreadable world; one
     `FILE:LINE: problem` line each, and no decision is written

"""


def _add_batch(commands: Any) -> None:
    """`iamsim batch`: request records in, one decision a line out, the world loaded once."""
    batch = commands.add_parser(
        "batch",
        help="answer request records read as JSON lines, loading the world once",
        description="Read request records (docs/testing.md), one JSON object a line, from\n"
        "stdin or --input; load the world once; write one JSON line per request: the\n"
        "decision in its documented schema (as --output json prints it), with the\n"
        "record's `id`, and, when the record has `expect`, whether it matched.",
        epilog=_BATCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_world(batch)
    batch.add_argument(
        "--input", metavar="FILE", help="read the requests from FILE (default, or -: stdin)"
    )
    batch.add_argument(
        "--explain",
        action="store_true",
        help="add each decision's full explanation to its line (`explanation`)",
    )
    batch.add_argument("--no-color", action="store_true", help=argparse.SUPPRESS)


_WHY_EXAMPLE = """\
examples:
  iamsim why "An error occurred (AccessDenied) when calling the AssumeRole operation: \\
User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole \\
on resource: arn:aws:iam::222222222222:role/CrossAccountS3Reader"
  iamsim why event.json --world world.yaml      (a CloudTrail record, or {"Records": [...]})

exit codes (why):
  0  the replay reproduces what AWS answered
  1  the replay disagrees with AWS for at least one record (the notes say which
     inputs the world or the evidence may lack)
  2  bad input: unreadable evidence, a message naming no caller, unknown event source

"""


def _add_why(commands: Any) -> None:
    """`iamsim why`: replay the evidence of an AWS answer (docs/questions.md)."""
    why = commands.add_parser(
        "why",
        help="replay an AccessDenied message or a CloudTrail record",
        description="Replay the evidence of an AWS answer in the world: an AccessDenied\n"
        "message (as the AWS CLI, boto3 or the console print it) or CloudTrail\n"
        "records; print the explanation, and say where the replay disagrees with AWS.",
        epilog=_WHY_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    why.add_argument(
        "evidence",
        metavar="TEXT|FILE",
        help="the error message, or a file (- for stdin) holding it or CloudTrail JSON",
    )
    _add_world(why)
    why.add_argument("--caller", metavar="ARN", help="the caller, when the evidence names none")
    why.add_argument("--action", type=_action, metavar="ACTION", help="the action, likewise")
    why.add_argument("--resource", metavar="ARN", help="the resource, likewise")
    why.add_argument(
        "--external-id", metavar="ID", help="the external ID the AssumeRole call passed"
    )
    why.add_argument(
        "--context",
        metavar="KEY=VALUE",
        nargs="+",
        action="extend",
        type=_context_item,
        help="context keys the evidence does not carry",
    )
    why.add_argument(
        "--output", choices=("text", "json"), default="text", help="text (default) or json"
    )
    why.add_argument("--no-color", action="store_true", help="never use ANSI colours")


# ------------------------------------------------------------------------------ output


class _Out:
    """Writes to stdout, with ANSI colour only when asked for."""

    _CODES = {"bold": "\x1b[1m", "green": "\x1b[32m", "red": "\x1b[31m", "dim": "\x1b[2m"}

    def __init__(self, color: bool, stream: TextIO | None = None) -> None:
        self.color = color
        self.stream = stream if stream is not None else sys.stdout

    def style(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(self._CODES[s] for s in styles) + text + "\x1b[0m"

    def line(self, text: str = "") -> None:
        print(text, file=self.stream)

    def json(self, data: Any) -> None:
        print(json.dumps(data, indent=4, ensure_ascii=False), file=self.stream)


def _use_color(no_color: bool) -> bool:
    if no_color or "NO_COLOR" in os.environ:
        return False
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty is not None and isatty())


PROGRESS_DELAY = 1.0
"""Seconds a world takes to load before the command line shows a progress bar."""


def _load_world(args: argparse.Namespace, path: str | None = None) -> World:
    """The world of `--world` (or `path`), through the cache unless `--no-cache`; else the
    embedded seed world. `--strict` loads afresh, so that every typo is an error. A load
    that takes longer than `PROGRESS_DELAY` shows a progress bar on stderr, when stderr is
    a terminal."""
    chosen = path if path is not None else args.world
    if chosen is None:
        return World.demo()
    strict = bool(getattr(args, "strict", False))
    use_cache = not strict and not args.no_cache
    if not sys.stderr.isatty():
        return load_world(chosen, use_cache=use_cache, load=partial(World.load, strict=strict))
    from tqdm import tqdm

    with tqdm(
        desc=f"loading {one_line(chosen)}",
        unit="account",
        delay=PROGRESS_DELAY,
        file=sys.stderr,
        leave=False,
    ) as bar:

        def step(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        load = partial(World.load, strict=strict, progress=step)
        return load_world(chosen, use_cache=use_cache, load=load)


def _import(args: argparse.Namespace, out: _Out) -> int:
    worlds = [World.load(path) for path in args.paths]
    world = worlds[0] if len(worlds) == 1 else World.merge(*worlds)
    if args.out is None:
        out.stream.write(dump_text(world.to_dict(), "yaml"))
    else:
        world.dump(args.out)
    return EXIT_ALLOWED


def _run(command: str, args: argparse.Namespace, out: _Out) -> int:
    """Run one command; each `IamsimWarning` is an `iamsim: warning:` line on stderr
    (an error with `--strict`)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IamsimWarning)
        status = _COMMANDS[command](args, out)
    # A request replayed (fixes, a chain's hops) warns again: each problem is said once.
    problems = list(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, IamsimWarning))
    )
    for w in caught:
        if not issubclass(w.category, IamsimWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    if problems and getattr(args, "strict", False):
        raise _BadInput(problems)
    for problem in problems:
        print(f"iamsim: warning: {one_line(problem)}", file=sys.stderr)
    return status


def _fix_lines(out: _Out, d: Decision) -> None:
    fixes = d.suggest_fixes()
    out.line()
    if not fixes:
        out.line("No fix found: see --explain for every layer.")
        return
    out.line(out.style("Suggested fixes:", "bold"))
    for fix in fixes:
        where = f"{fix.side} side, {_policy_words(fix.policy_type)}"
        if fix.account:
            where += f", account {fix.account}"
        out.line(f"  - [{where}] {fix.description}")
        if fix.apply is not None and fix.change is not None:
            out.line("      change: " + json.dumps(fix.change, ensure_ascii=False))


def _policy_words(policy_type: str) -> str:

    return POLICY_TYPE_WORDS.get(policy_type, f"{policy_type} policy")


def _denied_text(out: _Out, d: Decision, explain: str | None, suggest: bool) -> None:

    lines = d.explain(color=out.color, full=explain == "full").splitlines()
    out.line(cli_error(d))
    out.line(f"iamsim: {lines[0]}" if lines else "iamsim: Denied")
    if explain:
        for line in lines[1:]:
            out.line(line)
    if suggest:
        _fix_lines(out, d)


def _decision_json(d: Decision, suggest: bool) -> dict[str, Any]:
    data = d.to_dict()
    if suggest and not d.allowed:
        data["suggested_fixes"] = [f.to_dict() for f in d.suggest_fixes()]
    return data


_PROFILE_SETS = (
    "region",
    "role_arn",
    "role_session_name",
    "external_id",
    "duration_seconds",
    "serial_number",
    "policy",
    "policy_arns",
    "tags",
    "transitive_tag_keys",
    "source_identity",
)


def _profile_token_codes(given: Sequence[str]) -> tuple[str | None, dict[str, str] | None]:
    """`--token-code` with --profile: one bare CODE (the chain's only MFA prompt), or
    NAME=CODE items, NAME a profile of the chain or the mfa_serial its prompt names."""
    bare = [g for g in given if "=" not in g]
    if bare and len(given) > 1:
        raise _BadInput(
            [
                "--token-code: a bare CODE answers a chain's only MFA prompt; give each of "
                "several as PROFILE=CODE or MFA-SERIAL-ARN=CODE"
            ]
        )
    if bare:
        return bare[0], None
    codes: dict[str, str] = {}
    for item in given:
        name, _, code = item.rpartition("=")
        if not name.strip():
            raise _BadInput([f"--token-code: {_shown(item)} names no profile before '='"])
        if codes.get(name, code) != code:
            raise _BadInput([f"--token-code: two codes given for {_shown(name)}"])
        codes[name] = code
    return None, codes or None


def _assume_profile(args: argparse.Namespace, out: _Out) -> int:
    """`assume-role --profile`: the AWS CLI's chain for a profile, hop by hop."""
    given = [f"--{k.replace('_', '-')}" for k in _PROFILE_SETS if getattr(args, k) is not None]
    if given:
        raise _BadInput(
            [
                f"--profile takes the role and its parameters from the profile; drop {given[0]} "
                "(see `iamsim assume-role --help`)"
            ]
        )
    token_code, token_codes = _profile_token_codes(args.token_code or [])
    world = _load_world(args)
    chain = world.assume_profile(
        args.profile,
        config=args.config,
        credentials=args.credentials,
        caller=args.caller,
        token_code=token_code,
        token_codes=token_codes,
        context=_request_context(args),
        now=args.now,
    )
    failed = chain.failed_hop
    last = chain.hops[-1] if chain.hops else None
    if args.output == "aws" and chain.session is not None:
        out.json(chain.session.to_aws_dict())
        return EXIT_ALLOWED
    if args.output == "json":
        shown = chain.hops[failed] if failed is not None else last
        if shown is not None:
            out.json(_decision_json(shown, args.suggest))
        else:
            out.json({"profile": chain.profile, "allowed": chain.allowed, "hops": []})
        return EXIT_ALLOWED if chain.allowed else EXIT_DENIED
    if failed is not None:
        _denied_text(out, chain.hops[failed], None, args.suggest)
    elif last is not None and last.session is not None:
        _allowed_text(out, last, args.explain)
    out.line()
    for line in chain.explain(color=out.color, full=bool(args.explain)).splitlines():
        out.line(line)
    return EXIT_ALLOWED if chain.allowed else EXIT_DENIED


def _allowed_text(out: _Out, decision: Decision, explain: str | None) -> None:
    """An allowed AssumeRole-family decision as text: its first line, or with `--explain`
    (`--explain=full`) the explanation; then the session it hands back."""
    text = decision.explain(color=out.color, full=explain == "full")
    lines = text.splitlines()
    out.line(text if explain else (lines[0] if lines else "Allowed"))
    if decision.session is not None:
        _session_lines(out, decision.session)


def _region(args: argparse.Namespace) -> str | None:
    """The region of the call: --region, else $AWS_REGION, else $AWS_DEFAULT_REGION (the
    AWS CLI's order, "Configuring environment variables for the AWS CLI"), else None (the
    world's default_region). A value that is no region code is bad input, named by where
    it came from."""
    for where, value in (
        ("--region", args.region),
        ("AWS_REGION", os.environ.get("AWS_REGION")),
        ("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION")),
    ):
        if value:
            if not REGION.fullmatch(value):
                raise _BadInput(
                    [f"{where}: {value!r} is not an AWS region code (such as us-east-1)"]
                )
            return value
    return None


def _session_lines(out: _Out, session: RoleSession) -> None:
    out.line()
    out.line(f"  Arn:            {session.arn}")
    out.line(f"  AssumedRoleId:  {session.assumed_role_id}")
    out.line(f"  Expiration:     {session.credentials['Expiration']}")
    out.line(
        out.style(
            "  The credentials are simulated (fake, marked IAMSIM-SIMULATED); "
            "--output json prints them as `aws sts assume-role` does.",
            "dim",
        )
    )


def _assume_role(args: argparse.Namespace, out: _Out) -> int:
    if args.profile is not None:
        return _assume_profile(args, out)
    missing = [
        f"--{k.replace('_', '-')}"
        for k in ("caller", "role_arn", "role_session_name")
        if getattr(args, k) is None
    ]
    if missing:
        raise _BadInput(
            [
                f"the following arguments are required: {', '.join(missing)} (or --profile) "
                "(see `iamsim assume-role --help`)"
            ]
        )
    for option in ("config", "credentials"):
        if getattr(args, option) is not None:
            raise _BadInput([f"--{option} goes with --profile (see `iamsim assume-role --help`)"])
    token_code = None
    if args.token_code:
        if len(args.token_code) > 1 or "=" in args.token_code[0]:
            raise _BadInput(
                [
                    "--token-code: without --profile, give one CODE for --serial-number "
                    "(NAME=CODE names a profile's hop: see `iamsim assume-role --help`)"
                ]
            )
        token_code = args.token_code[0]
    world = _load_world(args)
    tags = [pair for group in args.tags or () for pair in group]
    decision = world.assume_role(
        args.caller,
        role_arn=args.role_arn,
        session_name=args.role_session_name,
        external_id=args.external_id,
        duration_seconds=args.duration_seconds,
        policy=None if args.policy is None else _policy_text(args.policy),
        policy_arns=args.policy_arns,
        tags=tags or None,
        transitive_tag_keys=args.transitive_tag_keys,
        source_identity=args.source_identity,
        serial_number=args.serial_number,
        token_code=token_code,
        context=_request_context(args),
        now=args.now,
        region=_region(args),
    )
    session = decision.session
    if args.output == "json":
        out.json(_decision_json(decision, args.suggest))
    elif args.output == "aws" and session is not None:
        out.json(session.to_aws_dict())
    elif decision.allowed:
        _allowed_text(out, decision, args.explain)
    else:
        _denied_text(out, decision, args.explain, args.suggest)
    return EXIT_ALLOWED if decision.allowed else EXIT_DENIED


def _session_file(path: str) -> RoleSession:
    """`--session FILE`: the session a saved assume-role decision holds (bad input, one line
    a problem, each naming FILE and the JSON path, when it holds none)."""
    text = _read_text(path, "--session")
    try:
        data = json.loads(text, parse_int=json_int)
    except json.JSONDecodeError as exc:
        raise _BadInput(
            [f"--session: {path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}"]
        ) from None
    except ValueError as exc:  # a number too long to read
        raise _BadInput([f"--session: {_shown(path)}: {exc}"]) from None
    try:
        return session_from_data(data, f"--session: {path}")
    except SessionFileError as exc:
        raise _BadInput(list(exc.problems)) from None


_NOT_VERIFIED = "iamsim takes the {what} as given: it checks no signature (docs/federation.md)."


def _add_federated(commands: Any) -> None:
    """`assume-role-with-web-identity` and `assume-role-with-saml`, with the AWS CLI's names."""
    web = commands.add_parser(
        "assume-role-with-web-identity",
        help="replay `aws sts assume-role-with-web-identity` (GitHub Actions, EKS, Cognito)",
        description="Replay `aws sts assume-role-with-web-identity`: STS's checks of the\n"
        "token against the account's OIDC providers, then the role's trust policy\n"
        "and RCPs.\n\n" + _NOT_VERIFIED.format(what="token's claims"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    web.add_argument("--role-arn", required=True, metavar="ARN", help="the role to assume")
    web.add_argument(
        "--role-session-name", required=True, metavar="NAME", help="the session's name"
    )
    web.add_argument(
        "--web-identity-token",
        required=True,
        metavar="JSON|FILE|JWT",
        help="the token's claims as JSON text or a file (file://PATH, @PATH or a path), or "
        "an unsigned JWT whose payload holds them (its signature is not checked)",
    )
    web.add_argument(
        "--provider-id",
        metavar="NAME",
        help="www.amazon.com or graph.facebook.com, for their OAuth 2.0 access tokens",
    )
    saml = commands.add_parser(
        "assume-role-with-saml",
        help="replay `aws sts assume-role-with-saml`",
        description="Replay `aws sts assume-role-with-saml`: the SAML provider, the\n"
        "assertion's Role and RoleSessionName attributes, then the role's trust\n"
        "policy (saml:* conditions) and RCPs.\n\n"
        + _NOT_VERIFIED.format(what="assertion, given as its saml:* keys and AWS's attributes,"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    saml.add_argument("--role-arn", required=True, metavar="ARN", help="the role to assume")
    saml.add_argument(
        "--principal-arn",
        required=True,
        metavar="ARN",
        help="the SAML provider: arn:aws:iam::ACCOUNT:saml-provider/NAME",
    )
    saml.add_argument(
        "--saml-assertion",
        required=True,
        metavar="JSON|FILE",
        help="the assertion as a JSON object of saml:* keys and "
        "https://aws.amazon.com/SAML/Attributes/… attributes (not base64 SAML XML)",
    )
    for parser in (web, saml):
        parser.add_argument(
            "--duration-seconds",
            type=_seconds,
            metavar="N",
            help="900 up to the role's maximum session duration (default 3600)",
        )
        parser.add_argument(
            "--policy",
            metavar="JSON|file://PATH",
            help="inline session policy: JSON text, file://PATH, @PATH or a path",
        )
        parser.add_argument(
            "--policy-arns",
            nargs="+",
            action="extend",
            type=_policy_arn,
            metavar="ARN",
            help="managed session policies (ARN or arn=ARN)",
        )
        _add_common(parser, aws_output=True)


def _claims_argument(value: str, option: str, *, jwt: bool) -> Any:
    """A JSON object given as text or as a file; with `jwt`, also a JWT (kept as text)."""
    text = value
    if value.startswith(("file://", "@")) or (
        not value.lstrip().startswith("{") and Path(value).is_file()
    ):
        path = value.split("://", 1)[1] if "://" in value else value.removeprefix("@")
        text = _read_text(path, option)
    stripped = text.strip()
    if jwt and stripped.count(".") == 2 and not stripped.startswith("{"):
        return stripped
    try:
        data = json.loads(stripped)
    except ValueError as exc:
        what = "a JSON object of claims, a file or a JWT" if jwt else "a JSON object or a file"
        raise _BadInput([f"{option}: not {what} ({exc})"]) from None
    if not isinstance(data, dict):
        raise _BadInput([f"{option}: expected a JSON object, not {type(data).__name__}"])
    return data


def _assume_federated(args: argparse.Namespace, out: _Out) -> int:
    world = _load_world(args)
    common: dict[str, Any] = {
        "role_arn": args.role_arn,
        "duration_seconds": args.duration_seconds,
        "policy": None if args.policy is None else _policy_text(args.policy),
        "policy_arns": args.policy_arns,
        "context": _request_context(args),
        "region": _region(args),
        "now": args.now,
    }
    # What the AWS CLI prints beside the session (AWS STS API Reference, the two responses).
    extra: dict[str, Any] = {}
    if args.command == "assume-role-with-saml":
        assertion = _claims_argument(args.saml_assertion, "--saml-assertion", jwt=False)
        decision = world.assume_role_with_saml(
            principal_arn=args.principal_arn, assertion=assertion, **common
        )
        names = {
            "Subject": "saml:sub",
            "SubjectType": "saml:sub_type",
            "Issuer": "saml:iss",
            "Audience": "saml:aud",
        }
        extra = {field: assertion[key] for field, key in names.items() if key in assertion}
    else:
        token = _claims_argument(args.web_identity_token, "--web-identity-token", jwt=True)
        decision = world.assume_role_with_web_identity(
            session_name=args.role_session_name,
            token=token,
            provider_id=args.provider_id,
            **common,
        )
        claims = decode_jwt(token) if isinstance(token, str) else token
        extra = {
            "SubjectFromWebIdentityToken": claims.get("sub"),
            "Provider": args.provider_id or claims.get("iss"),
            "Audience": claims.get("aud"),
        }
    session = decision.session
    if args.output == "json":
        out.json(_decision_json(decision, args.suggest))
    elif args.output == "aws" and session is not None:
        out.json({**session.to_aws_dict(), **{k: v for k, v in extra.items() if v is not None}})
    elif decision.allowed:
        _allowed_text(out, decision, args.explain)
    else:
        _denied_text(out, decision, args.explain, args.suggest)
    return EXIT_ALLOWED if decision.allowed else EXIT_DENIED


def _simulate(args: argparse.Namespace, out: _Out) -> int:

    if (args.caller is None) == (args.session is None):
        raise _BadInput(
            [
                (
                    "--caller and --session both name the caller: give one"
                    if args.caller is not None
                    else "the following arguments are required: --caller ARN or --session FILE"
                )
                + " (see `iamsim simulate --help`)"
            ]
        )
    principal = args.caller if args.session is None else _session_file(args.session)
    world = _load_world(args)
    decision = world.simulate(
        principal,
        args.action,
        args.resource,
        context=_request_context(args, args.action),
        now=args.now,
        region=_region(args),
    )
    if args.output == "json":
        out.json(_decision_json(decision, args.suggest))
    else:
        lines = decision.explain(color=out.color, full=args.explain == "full").splitlines() or [
            "Allowed" if decision.allowed else "Denied"
        ]
        out.line(lines[0])
        if not decision.allowed:
            out.line(cli_error(decision))
        if args.explain:
            for line in lines[1:]:
                out.line(line)
        if args.suggest and not decision.allowed:
            _fix_lines(out, decision)
    return EXIT_ALLOWED if decision.allowed else EXIT_DENIED


def _demo(args: argparse.Namespace, out: _Out) -> int:

    out.line(out.style("iamsim demo: the cross-account page, replayed offline", "bold"))
    out.line(f"(the clock is pinned to {DEMO_NOW.isoformat()}; every credential is simulated)")
    for number, scenario in enumerate(scenarios(), 1):
        decision = scenario.run()
        out.line()
        out.line(out.style(f"== {number}. {scenario.title} ==", "bold"))
        out.line(scenario.story)
        out.line()
        for line in scenario.command.splitlines():
            if line.startswith("#"):
                out.line(out.style(line, "dim"))  # how this scenario's world differs
            else:
                out.line(out.style(f"$ {line}" if line.startswith("iamsim") else line, "dim"))
        lines = decision.explain(color=out.color).splitlines()
        first = lines[0] if lines else ("Allowed" if decision.allowed else "Denied")
        if decision.allowed:
            if decision.session is not None:
                out.json(decision.session.to_aws_dict())
            out.line(f"iamsim: {first}")
            continue
        out.line(cli_error(decision))
        out.line(f"iamsim: {first}")
        for fix in decision.suggest_fixes():
            out.line(f"Fix: {fix.description}")
    return EXIT_ALLOWED


def _why_evidence(value: str) -> list[Any]:
    """The pieces of evidence `iamsim why` was given: the text, or a file's (stdin for -)."""
    text: str | None = None
    if value == "-":
        text = sys.stdin.read()
    else:
        try:
            is_file = "\n" not in value and len(value) < 4096 and Path(value).is_file()
        except (OSError, ValueError):
            is_file = False
        if is_file:
            text = _read_text(value)
    if text is None:
        return [value]
    if not text.lstrip().startswith(("{", "[")):
        return [text]
    try:
        data = json.loads(text, parse_int=json_int)
    except (ValueError, RecursionError) as exc:
        raise _BadInput([f"{'stdin' if value == '-' else value}: not JSON ({exc})"]) from None
    from iamsim.questions.why import records

    items = data if isinstance(data, list) else [data]
    return [record for item in items for record in records(item)]


def _why(args: argparse.Namespace, out: _Out) -> int:
    from iamsim.questions.why import replay

    evidence = _why_evidence(args.evidence)
    world = _load_world(args)
    replays = []
    for number, item in enumerate(evidence, 1):
        try:
            replays.append(
                replay(
                    world,
                    item,
                    caller=args.caller,
                    action=args.action,
                    resource=args.resource,
                    context=_request_context(args),
                    external_id=args.external_id,
                )
            )
        except IamsimError as exc:
            if len(evidence) == 1:
                raise
            raise _BadInput([f"record {number} of {len(evidence)}: {exc}"]) from None
    if args.output == "json":
        out.json(
            [
                {
                    "agrees": r.agrees,
                    "aws_answered": "denied" if r.evidence.denied else "allowed",
                    "disagreement": list(r.disagreement),
                    "caveats": list(r.caveats),
                    "decision": r.decision.to_dict(),
                }
                for r in replays
            ]
        )
    for number, r in enumerate(replays if args.output == "text" else (), 1):
        if len(replays) > 1:
            out.line(out.style(f"== record {number} of {len(replays)} ==", "bold"))
        answered = "denied" if r.evidence.denied else "allowed"
        out.line(f"AWS {answered} {r.evidence.action} for {r.evidence.caller}.")
        out.line(r.decision.explain(color=out.color))
        verdict = (
            "The replay agrees with AWS."
            if r.agrees
            else "The replay disagrees with AWS: see the notes above."
        )
        out.line(out.style(verdict, "green" if r.agrees else "red"))
        if number < len(replays):
            out.line()
    return EXIT_ALLOWED if all(r.agrees for r in replays) else EXIT_DENIED


def _lint(args: argparse.Namespace, out: _Out) -> int:
    from iamsim.questions.findings import SEVERITIES, at_or_above
    from iamsim.questions.sarif import to_sarif

    world = _load_world(args)
    found = world.findings()
    if args.format == "json":
        out.json([f.to_dict() for f in found])
    elif args.format == "sarif":
        text = None
        if args.world is not None:
            try:
                text = read_input_file(args.world).decode("utf-8-sig")
            except (InputRefused, OSError, UnicodeDecodeError):
                text = None  # located in the file, with no region
        uri = None if args.world is None else Path(args.world).as_posix()
        out.json(to_sarif(found, uri=uri, text=text))
    else:
        styles = {"critical": "red", "high": "red", "medium": "bold"}
        for f in found:
            head = f"{f.severity.upper():8} {f.rule} {f.name}"
            out.line(out.style(head, *([styles[f.severity]] if f.severity in styles else [])))
            out.line(f"  account {f.account}: {f.path}")
            out.line(f"  {f.message}")
            if f.fix is not None:
                out.line(f"  fix: {f.fix.description}")
            out.line()
        counts = [f"{sum(f.severity == s for f in found)} {s}" for s in SEVERITIES]
        shown = ", ".join(c for c in counts if not c.startswith("0 "))
        out.line(
            f"{len(found)} finding{'s' if len(found) != 1 else ''}"
            + (f" ({shown})" if shown else "")
        )
    if args.fail_on is not None and any(at_or_above(f.severity, args.fail_on) for f in found):
        return EXIT_DENIED
    return EXIT_ALLOWED


def _check(args: argparse.Namespace, out: _Out) -> int:
    from iamsim.expectations import ExpectationError, load_table

    try:
        table = load_table(args.table)
        if args.world is None and table.world is None:
            table.load_world()  # raises: the table names no world
    except ExpectationError as exc:
        raise _BadInput(exc.lines()) from None
    results = _checked(table, args, args.world or table.world)
    failed = [r for r in results if not r.passed]
    for result in failed:
        out.line(out.style(f"FAIL {result.expectation.name}: {result.problem}", "red"))
        for line in result.decision.explain(color=out.color).splitlines():
            out.line(f"  {line}" if line else "")
        out.line()
    out.line(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return _mismatch_status(results)


def _input_text(path: str | None) -> tuple[str, str]:
    """(name, text) of the requests: stdin for None or `-`, else a regular UTF-8 file."""
    if path is None or path == "-":
        raw = getattr(sys.stdin, "buffer", None)
        if raw is None:  # a text stream put in place of stdin (tests, embedding)
            return "<stdin>", sys.stdin.read()
        try:
            return "<stdin>", raw.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _BadInput([f"<stdin>: not UTF-8 text (byte {exc.start + 1})"]) from None
    return path, _read_text(path, "--input")


def _checked(table: Any, args: argparse.Namespace, world_path: str | None = None) -> Any:
    """Every row of `table` asked of the world (`check_table`); bad input is one line a
    problem, after every row was tried."""
    from iamsim.expectations import ExpectationError, check_table

    try:
        return check_table(table, _load_world(args, world_path))
    except ExpectationError as exc:
        raise _BadInput(exc.lines()) from None


def _mismatch_status(results: Sequence[Any]) -> int:
    """`check` and `batch` alike: 1 when any answer missed its expectation, else 0."""
    return EXIT_DENIED if any(not r.passed for r in results) else EXIT_ALLOWED


def _batch(args: argparse.Namespace, out: _Out) -> int:
    from iamsim.expectations import ExpectationError, read_json_lines

    name, text = _input_text(args.input)
    try:
        table = read_json_lines(text, name)
    except ExpectationError as exc:
        raise _BadInput(exc.lines()) from None
    results = _checked(table, args)
    lines = []  # written only once every request was answered: never a partial result
    for result in results:
        record = result.expectation
        data: dict[str, Any] = {} if record.id is None else {"id": record.id}
        data |= result.decision.to_dict()
        if args.explain:
            data["explanation"] = result.decision.explain()
        if record.expect is not None:
            data["expect"] = record.expect
            if record.denied_by:
                data["expect_denied_by"] = [x.to_mapping() for x in record.denied_by]
            data["matched"] = result.passed
            if result.problem is not None:
                data["mismatch"] = result.problem
        lines.append(json.dumps(data, ensure_ascii=False))
    for line in lines:
        out.line(line)
    return _mismatch_status(results)


_SHELLS = ("bash", "zsh")


def _completion(args: argparse.Namespace, out: _Out) -> int:
    """Print the completion script shtab generates from the parser itself (so it never
    drifts from the options), imported only for this command."""
    import shtab

    out.stream.write(shtab.complete(build_parser(), shell=args.shell))
    return EXIT_ALLOWED


def _access_lines(out: _Out, answer: Any) -> None:
    """Each access: its principal, then one arrow per hop with the conditions it needs."""
    for access in answer:
        whole = f" (any principal of account {access.principal.split(':')[4]})"
        out.line(out.style(access.principal, "bold") + (whole if access.whole_account else ""))
        for i, target in enumerate([*access.via, access.target]):
            action = access.hop_action(i)
            needs = [
                f"{c.key} {c.operator} {', '.join(c.values)}"
                for c in access.conditions
                if c.hop == i
            ]
            shown = f"  [needs {'; '.join(needs)}]" if needs else ""
            out.line(f"  -> {action} {target}{shown}")
    for note in answer.notes:
        out.line(out.style(f"note: {note}", "dim"))


def _reach_answer(args: argparse.Namespace, out: _Out, answer: Any, head: str) -> int:
    if args.output == "json":
        out.json(answer.to_dict())
    else:
        out.line(head)
        _access_lines(out, answer)
    return EXIT_ALLOWED


def _reach_world(args: argparse.Namespace) -> World:
    """The world the reach questions ask, its calls made in `--region` (or the AWS CLI's
    environment variables) when one is given."""
    world = _load_world(args)
    region = _region(args)
    return world if region is None else attrs.evolve(world, default_region=region)


def _who_can(args: argparse.Namespace, out: _Out) -> int:
    world = _reach_world(args)
    answer = world.who_can(
        args.action, args.resource, _context(args.context), max_hops=args.max_hops
    )
    count = len(answer)
    head = (
        f"{count} principal{'' if count == 1 else 's'} can {args.action} on {args.resource} "
        f"(at most {args.max_hops} AssumeRole hops)"
    )
    return _reach_answer(args, out, answer, head)


def _reach(args: argparse.Namespace, out: _Out) -> int:
    world = _reach_world(args)
    answer = world.reachable_from(args.caller, args.max_hops, context=_context(args.context))
    count = len(answer)
    head = (
        f"{args.caller} can become {count} role{'' if count == 1 else 's'} "
        f"(at most {args.max_hops} AssumeRole hops)"
    )
    return _reach_answer(args, out, answer, head)


_COMMANDS = {
    "demo": _demo,
    "assume-role": _assume_role,
    "assume-role-with-web-identity": _assume_federated,
    "assume-role-with-saml": _assume_federated,
    "simulate": _simulate,
    "import": _import,
    "why": _why,
    "who-can": _who_can,
    "reach": _reach,
    "lint": _lint,
    "check": _check,
    "batch": _batch,
    "completion": _completion,
}
_OPERATIONS = {
    "assume-role": "AssumeRole",
    "assume-role-with-web-identity": "AssumeRoleWithWebIdentity",
    "assume-role-with-saml": "AssumeRoleWithSAML",
}


# -------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit code."""
    parser = build_parser()
    command: str | None = None
    try:
        args = parser.parse_args(argv)
        command = args.command
        if command is None:
            raise _BadInput([f"choose a command: {', '.join(_COMMANDS)} (see `iamsim --help`)"])
        out = _Out(_use_color(args.no_color))
        return _run(command, args, out)
    except _Exit as stop:
        return stop.status
    except _BadInput as bad:
        for problem in bad.problems:
            print(f"iamsim: error: {one_line(problem)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except IamsimError as exc:
        for line in _error_lines(exc, _OPERATIONS.get(command or "")):
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`iamsim demo | head`): stop quietly, as other tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return _EXIT_INTERRUPTED
