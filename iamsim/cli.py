"""The `iamsim` command line: replay AWS IAM decisions offline, from a shell.

    iamsim demo                      replay the cross-account page, each failure diagnosed
    iamsim assume-role --caller ARN --role-arn ARN --role-session-name NAME [...]
    iamsim simulate --caller ARN --action ACTION --resource ARN [...]
    iamsim import PATH... [--out world.yaml]   AWS exports → one world document
    iamsim why TEXT|FILE             replay an AccessDenied message or CloudTrail records
    iamsim lint [--world FILE]       the cross-account best practices the world breaks
    iamsim check EXPECTATIONS.yaml [--world FILE]   every row gets the answer it expects

Without `--world FILE` both questions are asked of the embedded seed world
(`World.demo()`): user alice in 111111111111, role CrossAccountS3Reader in
222222222222 trusting 111111111111 with external ID my-secret-123.

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
from pathlib import Path
from typing import Any, NoReturn, TextIO

from iamsim import __version__
from iamsim.decision import POLICY_TYPE_WORDS, Decision
from iamsim.errors import (
    IamsimError,
    IamsimWarning,
    PolicyError,
    ValidationError,
    WorldError,
    one_line,
)
from iamsim.render.aws import cli_error
from iamsim.request import MAX_YEAR, MIN_YEAR
from iamsim.session import RoleSession
from iamsim.world import World
from iamsim.world.demo import DEMO_NOW, scenarios
from iamsim.world.dump import dump_text
from iamsim.world.files import INT_DIGITS_LIMIT, InputRefused, read_input_file
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


def _json_int(digits: str) -> int:
    if len(digits.lstrip("-")) > INT_DIGITS_LIMIT:
        raise ValueError(f"a number has more than {INT_DIGITS_LIMIT} digits")
    return int(digits)


def _json_value(text: str) -> Any:
    """JSON text of an option value; ArgumentTypeError saying why (and where) it is not JSON."""
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{exc.msg} at column {exc.colno}") from None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except RecursionError:
        raise argparse.ArgumentTypeError("nested too deeply") from None


# ---------------------------------------------------------------------- argument types


def _context_item(text: str) -> tuple[str, object]:
    """`KEY=VALUE` → (key, value); a VALUE starting with `[` is a JSON list."""
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

    try:
        # A regular file only, and at most $IAMSIM_MAX_INPUT_BYTES: never /dev/zero read whole.
        return read_input_file(path).decode("utf-8-sig")
    except InputRefused as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        raise _BadInput([f"--policy: {path}: {exc.message}{hint}"]) from None
    except OSError as exc:
        raise _BadInput([f"--policy: cannot read {path}: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise _BadInput([f"--policy: {path} is not UTF-8 text"]) from None
    except ValueError:  # a NUL in the name: no file can have it
        raise _BadInput([f"--policy: {_shown(path)} is not a file name"]) from None


# ------------------------------------------------------------------------------ parser


def _add_world(parser: Any) -> None:
    """`--world`: what every command that asks a world reads it from."""
    parser.add_argument(
        "--world",
        metavar="FILE",
        help="world document (.json, .yaml/.yml, .toml), AWS export, or directory of AWS CLI "
        "outputs (docs/world.md); default: the embedded seed world",
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
        'give a JSON list: aws:TagKeys=\'["a","b"]\'',
    )
    output.add_argument(
        "--now",
        metavar="ISO8601",
        type=_timestamp,
        help="the time of the request (default: now, UTC)",
    )
    output.add_argument(
        "--explain",
        action="store_true",
        help="print the full explanation: each side, policy and statement",
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
    assume.add_argument("--token-code", metavar="CODE", help="the 6-digit MFA code")

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
        required=True,
        metavar="ARN",
        help="a user, role or assumed-role session ARN, a service principal "
        "(sns.amazonaws.com) or anonymous",
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
    importer.add_argument(
        "paths", nargs="+", metavar="PATH", help="a file or a directory of AWS CLI outputs"
    )
    importer.add_argument(
        "--out",
        metavar="FILE",
        help="the world document to write (.yaml/.yml or .json); default: YAML on stdout",
    )
    importer.add_argument(
        "--strict", action="store_true", help="treat warnings (an incomplete export) as errors"
    )
    importer.add_argument("--no-color", action="store_true", help=argparse.SUPPRESS)
    _add_why(commands)
    _add_lint(commands)
    check = commands.add_parser(
        "check",
        help="check an expectation table: does every request get the answer it expects?",
        description="Ask each request of an expectation table (docs/testing.md) and compare\n"
        "the answer with the row's `expect` and `denied_by`. Print each mismatch with\n"
        "its explanation, then `N passed, M failed`. Exit 0 when all match, 1 on a\n"
        "mismatch, 2 on bad input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("table", metavar="EXPECTATIONS", help="a .yaml, .yml or .json table")
    check.add_argument(
        "--world",
        metavar="FILE",
        help="world document (default: the table's `world:`, relative to the table)",
    )
    check.add_argument("--no-color", action="store_true", help="never use ANSI colours")
    return parser


_LINT_EPILOG = """\
exit codes (lint):
  0  no finding at or above --fail-on (without --fail-on: always, when the world loads)
  1  a finding at or above --fail-on
  2  bad input: an unreadable or invalid world file, a usage error

"""


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


def _load_world(path: str | None) -> World:
    """The world of `--world` (the demo world without it); a load that takes longer than
    `PROGRESS_DELAY` shows a progress bar on stderr, when stderr is a terminal."""
    if path is None:
        return World.demo()
    if not sys.stderr.isatty():
        return World.load(path)
    from tqdm import tqdm

    with tqdm(
        desc=f"loading {one_line(path)}",
        unit="account",
        delay=PROGRESS_DELAY,
        file=sys.stderr,
        leave=False,
    ) as bar:

        def step(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return World.load(path, progress=step)


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
    problems = [str(w.message) for w in caught if issubclass(w.category, IamsimWarning)]
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


def _denied_text(out: _Out, d: Decision, explain: bool, suggest: bool) -> None:

    lines = d.explain(color=out.color).splitlines()
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
    world = _load_world(args.world)
    chain = world.assume_profile(
        args.profile,
        config=args.config,
        credentials=args.credentials,
        caller=args.caller,
        token_code=args.token_code,
        context=_context(args.context),
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
        _denied_text(out, chain.hops[failed], False, args.suggest)
    elif last is not None and last.session is not None:
        lines = last.explain(color=out.color).splitlines()
        out.line(last.explain(color=out.color) if args.explain else (lines[0] if lines else ""))
        _session_lines(out, last.session)
    out.line()
    for line in chain.explain(color=out.color, full=args.explain).splitlines():
        out.line(line)
    return EXIT_ALLOWED if chain.allowed else EXIT_DENIED


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
    world = _load_world(args.world)
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
        token_code=args.token_code,
        context=_context(args.context),
        now=args.now,
    )
    session = decision.session
    if args.output == "json":
        out.json(_decision_json(decision, args.suggest))
    elif args.output == "aws" and session is not None:
        out.json(session.to_aws_dict())
    elif decision.allowed:
        text = decision.explain(color=out.color)
        lines = text.splitlines()
        out.line(text if args.explain else (lines[0] if lines else "Allowed"))
        if session is not None:
            _session_lines(out, session)
    else:
        _denied_text(out, decision, args.explain, args.suggest)
    return EXIT_ALLOWED if decision.allowed else EXIT_DENIED


def _simulate(args: argparse.Namespace, out: _Out) -> int:

    world = _load_world(args.world)
    decision = world.simulate(
        args.caller, args.action, args.resource, context=_context(args.context), now=args.now
    )
    if args.output == "json":
        out.json(_decision_json(decision, args.suggest))
    else:
        lines = decision.explain(color=out.color).splitlines() or [
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
            try:
                text = read_input_file(value).decode("utf-8-sig")
            except InputRefused as exc:
                hint = f" ({exc.hint})" if exc.hint else ""
                raise _BadInput([f"{value}: {exc.message}{hint}"]) from None
            except OSError as exc:
                raise _BadInput([f"cannot read {value}: {exc.strerror or exc}"]) from None
            except UnicodeDecodeError:
                raise _BadInput([f"{value} is not UTF-8 text"]) from None
    if text is None:
        return [value]
    if not text.lstrip().startswith(("{", "[")):
        return [text]
    try:
        data = json.loads(text, parse_int=_json_int)
    except (ValueError, RecursionError) as exc:
        raise _BadInput([f"{'stdin' if value == '-' else value}: not JSON ({exc})"]) from None
    from iamsim.questions.why import records

    items = data if isinstance(data, list) else [data]
    return [record for item in items for record in records(item)]


def _why(args: argparse.Namespace, out: _Out) -> int:
    from iamsim.questions.why import replay

    evidence = _why_evidence(args.evidence)
    world = _load_world(args.world)
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
                    context=_context(args.context),
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

    world = _load_world(args.world)
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
        results = table.check(table.load_world(args.world))
    except ExpectationError as exc:
        raise _BadInput(exc.lines()) from None
    failed = [r for r in results if not r.passed]
    for result in failed:
        out.line(out.style(f"FAIL {result.expectation.name}: {result.problem}", "red"))
        for line in result.decision.explain(color=out.color).splitlines():
            out.line(f"  {line}" if line else "")
        out.line()
    out.line(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return EXIT_DENIED if failed else EXIT_ALLOWED


_COMMANDS = {
    "demo": _demo,
    "assume-role": _assume_role,
    "simulate": _simulate,
    "import": _import,
    "why": _why,
    "lint": _lint,
    "check": _check,
}
_OPERATIONS = {"assume-role": "AssumeRole"}


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
