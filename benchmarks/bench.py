"""Throughput figures for benchmarks/README.md. Run: python benchmarks/bench.py [--quick].

Measures, on one core: policy parse+compile time, statement evaluations per
second, seed AssumeRole decisions per second (full trace built; also with a new
session name each call, and as the first call of its caller, action and resource), a decision
that passes every layer (3 OU levels of SCPs, a boundary, a session policy),
loading a world of 1,000 roles, and rendering a decision (text, HTML, JSON)
against evaluating it. Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import iamsim
from iamsim.compile import compile_policy
from iamsim.evaluate.statement import evaluate_statement
from iamsim.request import Context, Request, caller_from_arn
from iamsim.world.demo import ALICE, DEMO_NOW, ROLE, SEED_DOCUMENT
from iamsim.world.managed import aws_managed_policy


def rate(fn: Callable[[], Any], seconds: float) -> tuple[float, float]:
    """Calls per second (the best of 5 runs: noise on a shared machine only ever slows a
    run down) and the spread between the best and the worst run."""
    fn()
    n = 1
    while True:  # find a batch size that takes about 0.05 s
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start > 0.05:
            break
        n *= 2
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        count = 0
        while time.perf_counter() - start < seconds / 5:
            for _ in range(n):
                fn()
            count += n
        runs.append(count / (time.perf_counter() - start))
    return max(runs), max(runs) / min(runs)


def per_call_ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def chain_world() -> tuple[iamsim.World, dict[str, Any]]:
    """An org three OU levels deep, a role with a boundary, a session with a session policy."""
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    deny_leave = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
        ],
    }
    doc = {
        "organization": {
            "id": "o-a1b2c3d4e5",
            "management_account": "999999999999",
            "policies": {"DenyLeave": deny_leave, "AllowAll": allow_all},
            "root": {
                "accounts": ["999999999999"],
                "ous": {
                    "L1": {
                        "scps": ["FullAWSAccess", "DenyLeave"],
                        "ous": {
                            "L2": {
                                "scps": ["AllowAll"],
                                "ous": {
                                    "L3": {
                                        "scps": ["FullAWSAccess"],
                                        "accounts": ["111111111111", "222222222222"],
                                    }
                                },
                            }
                        },
                    }
                },
            },
        },
        "accounts": {
            "999999999999": {},
            "111111111111": SEED_DOCUMENT["accounts"]["111111111111"],
            "222222222222": {
                "roles": {
                    "CrossAccountS3Reader": {
                        **SEED_DOCUMENT["accounts"]["222222222222"]["roles"][
                            "CrossAccountS3Reader"
                        ],
                        "permissions_boundary": allow_all,
                    }
                },
                "resources": {"arn:aws:s3:::prod-bucket": {}},
            },
        },
    }
    world = iamsim.World.from_dict(doc)
    session_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-bucket/*"}
        ],
    }
    d = world.assume_role(
        ALICE,
        role_arn=ROLE,
        session_name="bench",
        external_id="my-secret-123",
        policy=session_policy,
        now=DEMO_NOW,
    )
    assert d.allowed, d.explain()
    return world, {"principal": d.session}


GH = "token.actions.githubusercontent.com"


def federation_world() -> iamsim.World:
    """docs/federation.md's GitHub Actions role, and a SAML role, in one account."""
    gh = {"Federated": f"arn:aws:iam::222222222222:oidc-provider/{GH}"}
    okta = {"Federated": "arn:aws:iam::222222222222:saml-provider/Okta"}
    sub = {
        "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"},
    }
    aud = {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}}

    def trust(principal: dict[str, str], action: str, condition: Any) -> dict[str, Any]:
        statement = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": action,
            "Condition": condition,
        }
        return {"Version": "2012-10-17", "Statement": [statement]}

    return iamsim.World.from_dict(
        {
            "accounts": {
                "222222222222": {
                    "oidc_providers": {GH: {"client_ids": ["sts.amazonaws.com"]}},
                    "saml_providers": {"Okta": {}},
                    "roles": {
                        "Deploy": {"trust_policy": trust(gh, "sts:AssumeRoleWithWebIdentity", sub)},
                        "Admins": {"trust_policy": trust(okta, "sts:AssumeRoleWithSAML", aud)},
                    },
                }
            }
        }
    )


def thousand_roles() -> dict[str, Any]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    roles = {}
    for i in range(1000):
        roles[f"Role{i}"] = {
            "trust_policy": trust,
            "policies": [
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": f"arn:aws:s3:::bucket-{i}/*",
                        }
                    ],
                }
            ],
        }
    return {"accounts": {"111111111111": {}, "222222222222": {"roles": roles}}}


def workload_calls(workload: str, count: int) -> None:
    """Run one workload `count` times (the loop `--instructions` counts). Every call varies
    its session name (and, denied, its external ID), so no cache of earlier decisions can
    answer: only what the caller, action and resource fix is reused."""
    if workload == "chain":
        world, call = chain_world()
        for _ in range(count + 1):
            world.simulate(
                call["principal"], "s3:GetObject", "arn:aws:s3:::prod-bucket/r.csv", now=DEMO_NOW
            )
        return
    world = iamsim.World.demo()
    for i in range(count + 1):
        external_id = "my-secret-123" if workload == "seed" else f"wrong-{i}"
        world.assume_role(ALICE, ROLE, f"session-{i}", external_id=external_id, now=DEMO_NOW)


WORKLOADS = {
    "seed": "seed AssumeRole (allowed)",
    "denied": "seed AssumeRole, wrong external ID (denied)",
    "chain": "full chain simulate (every layer)",
}


def instructions_per_decision(workload: str) -> int:
    """Machine instructions per decision of a workload, counted by valgrind: unlike time,
    the count does not move with the load of a shared machine, so it shows small changes."""
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind")

    def collected(count: int) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            run = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    f"--callgrind-out-file={tmp}/out",
                    sys.executable,
                    __file__,
                    "--workload-calls",
                    workload,
                    str(count),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        found = re.search(r"Collected : (\d+)", run.stderr)
        if found is None:
            sys.exit("valgrind printed no instruction count")
        return int(found.group(1))

    return (collected(600) - collected(100)) // 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    parser.add_argument(
        "--instructions",
        nargs="?",
        const="all",
        choices=[*WORKLOADS, "all"],
        help="count machine instructions per decision instead (needs valgrind): one "
        "workload, or all of them (the default)",
    )
    parser.add_argument("--workload-calls", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload_calls is not None:
        workload_calls(args.workload_calls[0], int(args.workload_calls[1]))
        return
    if args.instructions:
        chosen = list(WORKLOADS) if args.instructions == "all" else [args.instructions]
        for workload in chosen:
            count = instructions_per_decision(workload)
            print(f"{WORKLOADS[workload]}: {count:,} instructions per decision")
        return
    seconds = 1.0 if args.quick else 3.0
    figures: dict[str, Any] = {}

    trust_doc = SEED_DOCUMENT["accounts"]["222222222222"]["roles"]["CrossAccountS3Reader"][
        "trust_policy"
    ]
    text = json.dumps(trust_doc)

    def parse_compile_trust() -> None:
        compile_policy.cache_clear()
        compile_policy(iamsim.Policy.from_json(text))

    figures["parse_compile_trust_us"] = 1e6 / rate(parse_compile_trust, seconds)[0]
    big = json.dumps(aws_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").to_dict())

    def parse_compile_big() -> None:
        compile_policy.cache_clear()
        compile_policy(iamsim.Policy.from_json(big))

    figures["parse_compile_ReadOnlyAccess_ms"] = per_call_ms(parse_compile_big)

    stmt = compile_policy(iamsim.Policy.from_json(trust_doc)).statements[0]
    request = Request(
        caller_from_arn(ALICE),
        "sts:AssumeRole",
        ROLE,
        Context.of({"sts:ExternalId": "my-secret-123"}),
    )
    figures["statement_evals_per_s"] = rate(lambda: evaluate_statement(stmt, request), seconds)[0]

    world = iamsim.World.demo()
    call = {
        "role_arn": ROLE,
        "session_name": "dev-session",
        "external_id": "my-secret-123",
        "now": DEMO_NOW,
    }
    figures["seed_assume_role_per_s"], figures["seed_spread"] = rate(
        lambda: world.assume_role(ALICE, **call), seconds
    )
    # A new session name on every call: nothing is reused but what the caller, action and
    # resource fix (no decision is memoized, so this runs as fast as the figure above).
    names = itertools.cycle([f"dev-session-{i}" for i in range(1000)])
    figures["seed_assume_role_varied_per_s"] = rate(
        lambda: world.assume_role(ALICE, **{**call, "session_name": next(names)}), seconds
    )[0]

    def new_scope() -> None:  # the first call of a caller, action and resource: plan included
        world._ix.scopes.clear()
        world.assume_role(ALICE, **call)

    figures["seed_assume_role_new_scope_per_s"] = rate(new_scope, seconds)[0]
    denied = {**call, "external_id": "wrong"}
    figures["seed_assume_role_denied_per_s"] = rate(
        lambda: world.assume_role(ALICE, **denied), seconds
    )[0]

    cworld, ccall = chain_world()
    figures["full_chain_simulate_per_s"] = rate(
        lambda: cworld.simulate(
            ccall["principal"], "s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv", now=DEMO_NOW
        ),
        seconds,
    )[0]
    figures["full_chain_vs_seed"] = (
        figures["seed_assume_role_per_s"] / figures["full_chain_simulate_per_s"]
    )

    fworld = federation_world()
    token = {
        "iss": f"https://{GH}",
        "aud": "sts.amazonaws.com",
        "sub": "repo:acme/app:ref:refs/heads/main",
    }
    web = {
        "role_arn": "arn:aws:iam::222222222222:role/Deploy",
        "session_name": "gha-run",
        "token": token,
        "now": DEMO_NOW,
    }
    figures["github_web_identity_per_s"] = rate(
        lambda: fworld.assume_role_with_web_identity(**web), seconds
    )[0]
    env = {**web, "token": {**token, "sub": "repo:acme/app:environment:prod"}}
    figures["github_web_identity_denied_per_s"] = rate(
        lambda: fworld.assume_role_with_web_identity(**env), seconds
    )[0]
    assertion = {
        "saml:aud": "https://signin.aws.amazon.com/saml",
        "saml:sub": "jane",
        "https://aws.amazon.com/SAML/Attributes/RoleSessionName": "jane",
    }
    figures["saml_per_s"] = rate(
        lambda: fworld.assume_role_with_saml(
            role_arn="arn:aws:iam::222222222222:role/Admins",
            principal_arn="arn:aws:iam::222222222222:saml-provider/Okta",
            assertion=assertion,
            now=DEMO_NOW,
        ),
        seconds,
    )[0]

    doc = thousand_roles()
    figures["load_1000_roles_ms"] = per_call_ms(
        lambda: (compile_policy.cache_clear(), iamsim.World.from_dict(doc)), repeat=3
    )

    # Infrastructure as code in: the seed's two accounts as a Terraform plan, and as two
    # CloudFormation templates (YAML with short-form tags) merged.
    iac = Path(__file__).parents[1] / "tests" / "data" / "iac"
    aliases = {"aws.source": "111111111111", "aws.target": "222222222222"}
    figures["load_seed_tfplan_ms"] = per_call_ms(
        lambda: iamsim.World.from_terraform(iac / "seed.tfplan.json", accounts=aliases)
    )
    figures["load_seed_cloudformation_ms"] = per_call_ms(
        lambda: iamsim.World.merge(
            iamsim.World.from_cloudformation(
                iac / "seed-trusting.yaml",
                account="222222222222",
                parameters={"ExternalId": "my-secret-123"},
            ),
            iamsim.World.from_cloudformation(iac / "seed-trusted.yaml", account="111111111111"),
        )
    )
    figures["load_org_tfplan_ms"] = per_call_ms(
        lambda: iamsim.World.from_terraform(iac / "org.tfplan.json")
    )
    scps = iamsim.World.from_terraform(iac / "scps.tfplan.json")
    workloads = {"id": "ou-ab12-workload", "accounts": ["111111111111", "222222222222"]}
    tree = iamsim.World.from_dict(
        {
            "organization": {
                "id": "o-a1b2c3d4e5",
                "management_account": "999999999999",
                "root": {
                    "id": "r-ab12",
                    "accounts": ["999999999999"],
                    "ous": {"Workloads": workloads},
                },
            },
            "accounts": {a: {} for a in ("999999999999", "111111111111", "222222222222")},
        }
    )
    figures["merge_scps_tfplan_ms"] = per_call_ms(lambda: iamsim.World.merge(tree, scps))

    # Rendering against evaluating, for the same (denied, seed) decision, in µs per call.
    d = world.assume_role(ALICE, **denied)
    figures["evaluate_denied_us"] = 1e6 / figures["seed_assume_role_denied_per_s"]
    figures["render_text_us"] = 1e6 / rate(lambda: d.explain(), seconds)[0]
    figures["render_html_us"] = 1e6 / rate(lambda: d._repr_html_(), seconds)[0]
    figures["render_json_us"] = 1e6 / rate(lambda: d.to_dict(), seconds)[0]

    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"iamsim benchmarks ({dt.date.today()}, one core)")
    for key, value in figures.items():
        print(f"  {key:36s} {value:>14,.2f}")


if __name__ == "__main__":
    main()
