"""AWS CLI outputs on disk → accounts and an organization: one file, or a directory of them.

`load_document_parts` reads a world document, one `get-account-authorization-details`
output (or a list of them), or a directory holding any mix of AWS CLI outputs
(docs/world.md, "Reading AWS exports"). Each file's kind comes from its content
(`files.file_kind`); the parent, policy or resource a per-item output is about comes from
its file name or from `iamsim-manifest.yaml`. Every problem names its file and the path inside it.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from iamsim.errors import IamsimWarning, Problem, WorldError, did_you_mean, join_path
from iamsim.model import Policy
from iamsim.world.aws_export import (
    TRUNCATED,
    _Export,
    parse_authorization_details,
    parse_organization_export,
)
from iamsim.world.files import (
    SUPPORTED_EXTENSIONS,
    WORLD_KINDS,
    _file_name,
    file_kind,
    read_data_file,
    world_data,
)
from iamsim.world.load import Progress, _Parser, parse_world
from iamsim.world.load_checks import _key, _short, _type_name
from iamsim.world.managed import AWS_MANAGED_PREFIX
from iamsim.world.model import Account, Organization, Resource
from iamsim.world.names import ACCOUNT_ID
from iamsim.world.org import place_accounts

__all__ = [
    "AWS_MANAGED_KEY",
    "MANIFEST",
    "load_document_parts",
    "merge_parts",
    "parse_document",
]

MANIFEST = "iamsim-manifest.yaml"
"""The optional file of a directory of exports that says what each file is about."""

AWS_MANAGED_KEY = "aws_managed_policies"
"""An account's copies of AWS managed policies in a world document, by ARN."""

_MANIFEST_KEYS = ("account", "resource", "parent", "policy", "child")

Parts = tuple[tuple[Account, ...], Organization | None]

# Organizations ids, as the file names of per-item outputs carry them.
_PARENT_ID = re.compile(r"r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")
_POLICY_ID = re.compile(r"p-[0-9a-zA-Z_]{8,128}")
_CHILD_ID = re.compile(r"[0-9]{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")

# Resource policy outputs: the command in the file name, and what follows it.
_RESOURCE_COMMANDS = {
    "get-bucket-policy": "s3",
    "get-key-policy": "kms",
    "get-queue-attributes": "sqs",
    "get-topic-attributes": "sns",
    "get-policy": "lambda",
    "get-resource-policy": "secretsmanager",
    "get-repository-policy": "ecr",
}
_RESOURCE_NAME = re.compile(
    r"(?:^|\.)(?P<command>" + "|".join(_RESOURCE_COMMANDS) + r")\.(?P<rest>.+)$"
)
_REGIONAL = re.compile(
    r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)\.(?P<account>[0-9]{12})\.(?P<name>.+)"
)
_BUCKET = re.compile(r"(?P<name>.+)\.(?P<account>[0-9]{12})")
_ARN_FORMS = {
    "kms": "arn:aws:kms:{region}:{account}:key/{name}",
    "sqs": "arn:aws:sqs:{region}:{account}:{name}",
    "sns": "arn:aws:sns:{region}:{account}:{name}",
    "lambda": "arn:aws:lambda:{region}:{account}:function:{name}",
    "secretsmanager": "arn:aws:secretsmanager:{region}:{account}:secret:{name}",
    "ecr": "arn:aws:ecr:{region}:{account}:repository/{name}",
}

_FULL_AWS_ACCESS = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


# --------------------------------------------------------------------------- entry points


def load_document_parts(
    path: str | os.PathLike[str],
    *,
    max_bytes: int | None = None,
    progress: Progress | None = None,
) -> tuple[Parts, str | None]:
    """The accounts and organization of a world file, an AWS export file or a directory,
    and the world document's `default_region` (None for AWS exports, which name no region
    calls are made in). `progress` is told as each account of a world document is checked."""
    name = _file_name(path)
    if os.path.isdir(name):
        return _Reader(name, max_bytes).directory(), None
    shown, data = read_data_file(name, max_bytes=max_bytes)
    kind = file_kind(data)
    if kind is None and _looks_unknown(data):
        raise WorldError(_unknown_kind(shown, data))
    if kind in (None, "world"):
        doc = world_data(shown, data)
        region = doc.get("default_region") if isinstance(doc, Mapping) else None
        return parse_document(doc, progress), region if isinstance(region, str) else None
    reader = _Reader(os.path.dirname(name) or ".", max_bytes)
    reader.take(shown, Path(name).name, data, kind)
    return reader.finish(), None


def parse_document(doc: Mapping[str, Any], progress: Progress | None = None) -> Parts:
    """`parse_world`, plus each account's `aws_managed_policies` (copies of AWS managed
    policies by ARN), in one `WorldError` listing every problem."""
    problems: list[Problem] = []
    copies: dict[str, list[tuple[str, Policy]]] = {}
    stripped: Any = doc
    accounts = doc.get("accounts") if isinstance(doc, Mapping) else None
    if isinstance(accounts, Mapping) and any(
        isinstance(b, Mapping) and AWS_MANAGED_KEY in b for b in accounts.values()
    ):
        parser = _Parser()
        kept: dict[Any, Any] = {}
        for key, body in accounts.items():
            if isinstance(body, Mapping) and AWS_MANAGED_KEY in body:
                where = _key(_key("accounts", key), AWS_MANAGED_KEY)
                copies[str(key)] = _managed_copies(parser, body[AWS_MANAGED_KEY], where)
                body = {k: v for k, v in body.items() if k != AWS_MANAGED_KEY}
            kept[key] = body
        stripped = {**doc, "accounts": kept}
        problems += parser.problems
    try:
        built, organization = parse_world(stripped, progress)
    except WorldError as exc:
        raise WorldError([*exc.problems, *problems]) from None
    if problems:
        raise WorldError(problems)
    if copies:
        built = tuple(
            attrs.evolve(a, aws_managed_policies=tuple(copies[a.id])) if a.id in copies else a
            for a in built
        )
    return built, organization


def merge_parts(parts: Iterable[tuple[str, Parts]]) -> Parts:
    """Worlds describing different accounts as one: `WorldError` for an account described
    twice (an account that is only an ID yields to a description), or two organizations."""
    problems: list[Problem] = []
    accounts: dict[str, tuple[str, Account]] = {}
    organization: tuple[str, Organization] | None = None
    for source, (those, org) in parts:
        for account in those:
            seen = accounts.get(account.id)
            if seen is None or _bare(seen[1]):
                accounts[account.id] = (source, account)
            elif not _bare(account):
                problems.append(
                    Problem(
                        "world.account.duplicate",
                        source,
                        f"account {account.id} is described here and by {seen[0]}",
                        "merge worlds that describe different accounts",
                    )
                )
        if org is not None:
            if organization is None:
                organization = (source, org)
            elif organization[1] != org:
                problems.append(
                    Problem(
                        "world.organization.duplicate",
                        source,
                        f"organization {org.id} differs from the one of {organization[0]} "
                        f"({organization[1].id})",
                        "a world has one organization",
                    )
                )
    if problems:
        raise WorldError(problems)
    return tuple(a for _, a in accounts.values()), None if organization is None else organization[1]


def _bare(account: Account) -> bool:
    return account == Account(id=account.id)


def _managed_copies(parser: _Parser, value: Any, where: str) -> list[tuple[str, Policy]]:
    out: list[tuple[str, Policy]] = []
    for arn, doc in parser.items(
        parser.optional_mapping(value, where, AWS_MANAGED_KEY), where, "an ARN"
    ):
        path = _key(where, arn)
        if not arn.startswith(AWS_MANAGED_PREFIX):
            parser.add(
                "policy.reference",
                path,
                f"{_short(arn)} is not an AWS managed policy ARN",
                f"keys here start with {AWS_MANAGED_PREFIX}; customer managed policies go "
                "under `policies`",
            )
            continue
        if parser.check_document_type(doc, path):
            parsed = parser.document(doc, path, "identity")
            if parsed is not None:
                out.append((arn, parsed))
    return out


def _looks_unknown(data: Any) -> bool:
    """Data that is not empty and neither a world document nor close to one: a list, a
    scalar, or a mapping none of whose keys is, or nearly is, a world document's."""
    if not isinstance(data, dict):
        return data not in (None, [], "")
    if not data:
        return False
    return not any(
        isinstance(k, str) and did_you_mean(k, ("accounts", "organization")) for k in data
    )


def _unknown_kind(name: str, data: Any) -> Problem:
    if isinstance(data, Mapping) and data:
        keys = [str(k) for k in data]
        shown = ", ".join(_short(k) for k in keys[:8]) + (", …" if len(keys) > 8 else "")
        looks = f"its top-level keys are {shown}"
    elif isinstance(data, list):
        looks = f"it is a list of {len(data)} item{'s' if len(data) != 1 else ''}"
        looks += ", not each an authorization details output" if data else ""
    else:
        looks = f"it holds {_type_name(data)}"
    return Problem(
        "file.kind",
        name,
        f"not a world document nor an AWS output iamsim reads: {looks}",
        "expected one of: " + "; ".join(WORLD_KINDS.values()),
    )


# --------------------------------------------------------------------------- the reader


@attrs.define
class _Org:
    """The Organizations outputs of a directory, as they are found."""

    describe: list[tuple[str, Any]] = attrs.Factory(list)
    roots: list[tuple[str, str, Any]] = attrs.Factory(list)
    units: list[tuple[str, str, Any, str | None]] = attrs.Factory(list)
    accounts: list[tuple[str, str, Any, str | None]] = attrs.Factory(list)
    parents: dict[str, tuple[str, str]] = attrs.Factory(dict)
    summaries: dict[str, tuple[str, str, Any]] = attrs.Factory(dict)
    contents: dict[str, tuple[str, str, Any]] = attrs.Factory(dict)
    targets: dict[str, tuple[str, str, Any]] = attrs.Factory(dict)
    gathered: list[tuple[str, Any]] = attrs.Factory(list)

    def any(self) -> bool:
        return bool(self.describe or self.roots or self.units or self.accounts or self.gathered)


class _Reader:
    """Collects the files of one load, then assembles them (every problem with its file)."""

    def __init__(self, folder: str, max_bytes: int | None) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.problems: list[Problem] = []
        self.parts: list[tuple[str, Parts]] = []
        self.org = _Org()
        self.resources: list[tuple[str, Resource]] = []
        self.manifest: dict[str, dict[str, str]] = {}

    # -- files --------------------------------------------------------------------------

    def directory(self) -> Parts:
        self.read_manifest()
        files: list[Path] = []
        for root, dirs, names in os.walk(self.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            files += [
                Path(root, n)
                for n in sorted(names)
                if not n.startswith(".")
                and n != MANIFEST
                and Path(n).suffix.lower() in SUPPORTED_EXTENSIONS
            ]
        if not files:
            raise WorldError(
                Problem(
                    "file.empty",
                    self.folder,
                    "the directory holds no .json, .yaml/.yml or .toml file",
                    "save AWS CLI outputs there with --output json",
                )
            )
        for file in files:
            try:
                shown, data = read_data_file(file, max_bytes=self.max_bytes)
            except WorldError as exc:
                self.problems += exc.problems
                continue
            kind = file_kind(data)
            relative = file.relative_to(self.folder).as_posix()
            if kind is None:
                self.problems.append(_unknown_kind(shown, data))
                continue
            self.take(shown, relative, data, kind)
        return self.finish()

    def read_manifest(self) -> None:
        path = Path(self.folder, MANIFEST)
        if not path.exists():
            return
        shown, data = read_data_file(path, max_bytes=self.max_bytes)
        p = _Parser()
        files = p.optional_mapping(
            data.get("files") if isinstance(data, dict) else data, "files", "files"
        )
        if isinstance(data, dict):
            p.check_keys(data, ("files",), "", "the manifest")
        for name, body in p.items(files, "files", "a file name"):
            where = _key("files", name)
            entry = p.optional_mapping(body, where, "what the file is about")
            p.check_keys(entry, _MANIFEST_KEYS, where, "a manifest entry")
            self.manifest[name] = {
                k: v
                for k in _MANIFEST_KEYS
                if k in entry and (v := p.string(entry[k], join_path(where, k), k)) is not None
            }
        self.problems += [_in_file(shown, pr) for pr in p.problems]

    def take(self, shown: str, relative: str, data: Any, kind: str) -> None:
        """Record one file of kind `kind`; `relative` is its name in the directory."""
        about = self.manifest.get(relative, {})
        stem = Path(relative).name
        if kind == "world":
            try:
                self.parts.append((shown, parse_document(data)))
            except WorldError as exc:
                self.problems += [_in_file(shown, p) for p in exc.problems]
        elif kind == "authorization-details":
            items = data if isinstance(data, list) else [data]
            for i, item in enumerate(items):
                where = shown if not isinstance(data, list) else f"{shown}[{i}]"
                self.details(where, item, about.get("account"))
        elif kind == "organization-export":
            self.org.gathered.append((shown, data))
        elif kind == "describe-organization":
            self.org.describe.append((shown, data["Organization"]))
        elif kind == "list-roots":
            self.org.roots += self.records(shown, data, "Roots")
        elif kind == "list-organizational-units-for-parent":
            parent = about.get("parent") or _token(stem, _PARENT_ID)
            self.org.units += [
                (f, p, r, parent) for f, p, r in self.records(shown, data, "OrganizationalUnits")
            ]
        elif kind == "list-accounts":
            parent = about.get("parent") or _token(stem, _PARENT_ID)
            self.org.accounts += [
                (f, p, r, parent) for f, p, r in self.records(shown, data, "Accounts")
            ]
        elif kind == "list-parents":
            child = about.get("child") or _token(stem, _CHILD_ID)
            parents = self.records(shown, data, "Parents")
            if child is None:
                self.problems.append(_needs_name(shown, "list-parents", "<CHILD_ID>", "child"))
            elif len(parents) == 1 and isinstance(parents[0][2].get("Id"), str):
                self.org.parents[child] = (shown, parents[0][2]["Id"])
        elif kind == "list-policies":
            for f, p, record in self.records(shown, data, "Policies"):
                summary = record.get("PolicySummary", record)
                if isinstance(summary, Mapping) and isinstance(summary.get("Id"), str):
                    self.org.summaries.setdefault(summary["Id"], (f, p, summary))
        elif kind == "describe-policy":
            body = data["Policy"]
            summary = body.get("PolicySummary")
            if isinstance(summary, Mapping) and isinstance(summary.get("Id"), str):
                self.org.contents[summary["Id"]] = (shown, "Policy", body)
                self.org.summaries[summary["Id"]] = (shown, "Policy.PolicySummary", summary)
            else:
                self.problems.append(
                    Problem(
                        "key.missing", f"{shown}: Policy.PolicySummary.Id", "the policy has no Id"
                    )
                )
        elif kind == "list-targets-for-policy":
            policy = about.get("policy") or _token(stem, _POLICY_ID)
            if policy is None:
                self.problems.append(
                    _needs_name(shown, "list-targets-for-policy", "<POLICY_ID>", "policy")
                )
            else:
                self.org.targets[policy] = (shown, "Targets", data["Targets"])
        else:  # resource-policy, resource-attributes, secret-policy
            self.resource(shown, stem, data, kind, about)

    def records(self, shown: str, data: Any, key: str) -> list[tuple[str, str, Any]]:
        p = _Export()
        out = [(shown, path, record) for path, record in p.records(data, key, "")]
        self.problems += [_in_file(shown, pr) for pr in p.problems]
        return out

    def details(self, shown: str, doc: Any, account: str | None) -> None:
        if isinstance(doc, Mapping) and doc.get("IsTruncated") in (True, "true", "True", "TRUE"):
            warnings.warn(f"{shown}: {TRUNCATED}", IamsimWarning, stacklevel=5)
            doc = {k: v for k, v in doc.items() if k != "IsTruncated"}
        try:
            built = parse_authorization_details(doc, account=account)
        except WorldError as exc:
            self.problems += [_in_file(shown, p) for p in exc.problems]
            return
        self.parts.append((shown, ((built,), None)))

    def resource(
        self, shown: str, stem: str, data: Mapping[str, Any], kind: str, about: Mapping[str, str]
    ) -> None:
        p = _Export()
        if kind == "secret-policy":
            value, where = data.get("ResourcePolicy"), "ResourcePolicy"
            arn = about.get("resource") or data.get("ARN")
        elif kind == "resource-attributes":
            attributes = data["Attributes"]
            value, where = attributes.get("Policy"), "Attributes.Policy"
            arn = about.get("resource") or attributes.get("QueueArn") or attributes.get("TopicArn")
        else:
            key = "Policy" if "Policy" in data else "policyText"
            value, where = data.get(key), key
            arn = about.get("resource")
        account = about.get("account")
        if not isinstance(arn, str) or not arn:
            arn, named_account = _resource_arn(stem, data)
            account = account or named_account
        if arn is None:
            self.problems.append(
                Problem(
                    "file.resource",
                    shown,
                    "cannot tell which resource this policy belongs to",
                    "name the file as docs/world.md says (e.g. "
                    "`s3api.get-bucket-policy.<bucket>.<account>.json`, "
                    "`kms.get-key-policy.<region>.<account>.<key-id>.json`) or list it in "
                    f"{MANIFEST} with `resource:`",
                )
            )
            return
        owner = account or (arn.split(":")[4] if arn.count(":") >= 5 else None)
        if not owner or not ACCOUNT_ID.fullmatch(owner):
            self.problems.append(
                Problem(
                    "file.resource",
                    shown,
                    f"cannot tell which account owns {_short(arn)}",
                    "end the file name with .<bucket>.<account>.json or give `account:` in "
                    + MANIFEST,
                )
            )
            return
        policy = p.export_document(value, where, "resource")
        if policy is not None and not p.problems:
            self.resources.append((shown, Resource(arn, account=owner, policy=policy)))
        self.problems += [_in_file(shown, pr) for pr in p.problems]

    # -- assembly -----------------------------------------------------------------------

    def finish(self) -> Parts:
        organization = self.organization()
        if self.problems:
            raise WorldError(self.problems)
        try:
            accounts, merged_org = merge_parts(self.parts)
        except WorldError as exc:
            raise WorldError(list(exc.problems)) from None
        if organization is not None and merged_org is not None and organization != merged_org:
            raise WorldError(
                Problem(
                    "world.organization.duplicate",
                    self.folder,
                    "the Organizations outputs and a world document describe different "
                    "organizations",
                )
            )
        organization = organization or merged_org
        by_id = {a.id: a for a in accounts}
        for shown, res in self.resources:
            account = by_id.get(res.account, Account(id=res.account))
            if any(r.arn == res.arn for r in account.resources):
                self.problems.append(
                    Problem("world.resource.duplicate", shown, f"{res.arn} is given twice")
                )
                continue
            by_id[res.account] = attrs.evolve(account, resources=(*account.resources, res))
        if organization is not None:
            missing = [a for a in place_accounts(organization) if a not in by_id]
            for account_id in missing:
                by_id[account_id] = Account(id=account_id)
            if missing:
                warnings.warn(
                    f"{self.folder}: no get-account-authorization-details output for "
                    f"{len(missing)} account(s) of the organization ({', '.join(missing[:5])}"
                    f"{', …' if len(missing) > 5 else ''}): they hold no IAM entities",
                    IamsimWarning,
                    stacklevel=4,
                )
        if self.problems:
            raise WorldError(self.problems)
        return tuple(by_id.values()), organization

    def organization(self) -> Organization | None:
        o = self.org
        if not o.any():
            return None
        if o.gathered and (o.describe or o.roots or o.units or o.accounts):
            self.problems.append(
                Problem(
                    "organization.duplicate",
                    o.gathered[0][0],
                    "the organization is given both gathered in one file and as separate outputs",
                )
            )
            return None
        if o.gathered:
            if len(o.gathered) > 1:
                self.problems.append(
                    Problem("organization.duplicate", o.gathered[1][0], "a second organization")
                )
                return None
            shown, doc = o.gathered[0]
            try:
                return parse_organization_export(doc)
            except WorldError as exc:
                self.problems += [_in_file(shown, p) for p in exc.problems]
                return None
        return self.assemble()

    def assemble(self) -> Organization | None:
        """One gathered mapping from the separate outputs, for `parse_organization_export`;
        its problems are turned back into the files and paths they come from."""
        o = self.org
        origin: dict[str, tuple[str, str]] = {}  # gathered path → (file, path in the file)
        doc: dict[str, Any] = {}
        if len(o.describe) > 1:
            self.problems.append(
                Problem(
                    "organization.duplicate",
                    o.describe[1][0],
                    "a second describe-organization output",
                )
            )
        if o.describe:
            doc["Organization"] = o.describe[0][1]
            origin["Organization"] = (o.describe[0][0], "Organization")
        if not o.describe:
            self.problems.append(
                Problem(
                    "file.missing",
                    self.folder,
                    "the Organizations outputs lack describe-organization",
                    "save `aws organizations describe-organization` next to them",
                )
            )
        doc["Roots"] = []
        for shown, path, record in o.roots:
            origin[f"Roots[{len(doc['Roots'])}]"] = (shown, path)
            doc["Roots"].append(record)
        doc["OrganizationalUnits"] = []
        for shown, path, record, parent in o.units:
            item = dict(record)
            if parent is not None and "ParentId" not in item:
                item["ParentId"] = parent
            elif parent is None and "ParentId" not in item:
                self.problems.append(
                    _needs_name(
                        shown, "list-organizational-units-for-parent", "<PARENT_ID>", "parent"
                    )
                )
                continue
            origin[f"OrganizationalUnits[{len(doc['OrganizationalUnits'])}]"] = (shown, path)
            doc["OrganizationalUnits"].append(item)
        accounts: dict[str, int] = {}
        doc["Accounts"] = []
        for shown, path, record, parent in o.accounts:
            account_id = record.get("Id")
            if isinstance(account_id, str) and account_id in accounts:
                # list-accounts and list-accounts-for-parent both list it: keep the parent
                if parent is not None:
                    doc["Accounts"][accounts[account_id]]["ParentId"] = parent
                continue
            item = dict(record)
            if parent is not None:
                item["ParentId"] = parent
            if isinstance(account_id, str):
                accounts[account_id] = len(doc["Accounts"])
            origin[f"Accounts[{len(doc['Accounts'])}]"] = (shown, path)
            doc["Accounts"].append(item)
        for item in doc["Accounts"]:
            found = o.parents.get(item.get("Id"))
            if found is not None and "ParentId" not in item:
                item["ParentId"] = found[1]
        doc["Policies"] = []
        for policy_id, (shown, path, summary) in sorted(o.summaries.items()):
            if summary.get("Type") not in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
                continue
            aws_managed = summary.get("AwsManaged") is True
            if aws_managed and summary.get("Name") == "RCPFullAWSAccess":
                continue  # attached everywhere, always: the world adds it at every level
            i = len(doc["Policies"])
            content = o.contents.get(policy_id)
            body: dict[str, Any] = {"PolicySummary": summary}
            origin[f"Policies[{i}].Policy.PolicySummary"] = (shown, path)
            if content is not None:
                body["Content"] = content[2].get("Content")
                origin[f"Policies[{i}].Policy"] = (content[0], content[1])
            elif aws_managed and summary.get("Name") == "FullAWSAccess":
                body["Content"] = _FULL_AWS_ACCESS  # shipped: its content need not be saved
            else:
                self.problems.append(
                    Problem(
                        "file.missing",
                        shown,
                        f"no describe-policy output for {summary.get('Type')} "
                        f"{_short(summary.get('Name'))} ({policy_id})",
                        f"save `aws organizations describe-policy --policy-id {policy_id}`",
                    )
                )
                continue
            targets = o.targets.get(policy_id)
            entry: dict[str, Any] = {"Policy": body, "Targets": []}
            if targets is not None:
                entry["Targets"] = targets[2]
                origin[f"Policies[{i}].Targets"] = (targets[0], targets[1])
            else:
                self.problems.append(
                    Problem(
                        "file.missing",
                        shown,
                        f"no list-targets-for-policy output for {_short(summary.get('Name'))} "
                        f"({policy_id})",
                        f"save `aws organizations list-targets-for-policy --policy-id "
                        f"{policy_id}` as list-targets-for-policy.{policy_id}.json",
                    )
                )
                continue
            doc["Policies"].append(entry)
        if self.problems:
            return None
        try:
            return parse_organization_export(doc)
        except WorldError as exc:
            self.problems += [_from_gathered(p, origin, self.folder) for p in exc.problems]
            return None


# --------------------------------------------------------------------------- helpers


def _in_file(shown: str, problem: Problem) -> Problem:
    """`problem`, its path prefixed with the file it is in."""
    return attrs.evolve(problem, path=f"{shown}: {problem.path}" if problem.path else shown)


def _from_gathered(problem: Problem, origin: Mapping[str, tuple[str, str]], folder: str) -> Problem:
    """A problem of the gathered organization mapping, at its file and path."""
    here = problem.path
    best = max(
        (k for k in origin if here == k or here.startswith((k + ".", k + "["))),
        key=len,
        default=None,
    )
    if best is None:
        return _in_file(folder, problem)
    shown, path = origin[best]
    return _in_file(
        shown, attrs.evolve(problem, path=join_path(path, here[len(best) :].lstrip(".")))
    )


def _token(stem: str, pattern: re.Pattern[str]) -> str | None:
    """The first dot-separated part of a file name that is an Organizations id."""
    for part in stem.split("."):
        if pattern.fullmatch(part):
            return part
    return None


def _needs_name(shown: str, command: str, placeholder: str, key: str) -> Problem:
    return Problem(
        "file.name",
        shown,
        f"the {command} output does not say which {key} it is about",
        f"name the file {command}.{placeholder}.json or give `{key}:` for it in {MANIFEST}",
    )


def _resource_arn(stem: str, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The ARN and owner a resource policy file's name gives (docs/world.md), or None."""
    match = _RESOURCE_NAME.search(Path(stem).stem if Path(stem).suffix else stem)
    if match is None:
        return None, None
    service = _RESOURCE_COMMANDS[match["command"]]
    rest = match["rest"]
    if service == "s3":
        bucket = _BUCKET.fullmatch(rest)
        if bucket is None:
            return None, None
        return f"arn:aws:s3:::{bucket['name']}", bucket["account"]
    regional = _REGIONAL.fullmatch(rest)
    if regional is None:
        return None, None
    name = regional["name"]
    if service == "ecr" and isinstance(data.get("repositoryName"), str):
        name = data["repositoryName"]
    form = _ARN_FORMS[service]
    return form.format(region=regional["region"], account=regional["account"], name=name), None
