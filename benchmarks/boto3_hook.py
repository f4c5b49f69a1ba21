"""What the boto3 hook costs per call. Run: python benchmarks/boto3_hook.py [--quick].

Measures, on one core, with moto as the data plane (fake credentials, no network): a call
the world denies (answered by the hook; nothing reaches moto), the same decision asked of
`World.simulate` directly, an allowed S3 GetObject through the hook and moto, and the same
call (same credentials) through moto alone. Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

import iamsim
import iamsim.boto3
from iamsim.world.demo import ALICE


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second: the best of 3 runs (noise on a shared machine only slows a run)."""
    fn()
    best = 0.0
    for _ in range(3):
        start, count = time.perf_counter(), 0
        while time.perf_counter() - start < seconds / 3:
            fn()
            count += 1
        best = max(best, count / (time.perf_counter() - start))
    return best


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    seconds = 1.0 if parser.parse_args(argv).quick else 3.0
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    world = iamsim.World.demo()
    role = "arn:aws:iam::222222222222:role/CrossAccountS3Reader"
    with mock_aws():
        plain = boto3.client("s3")
        plain.create_bucket(Bucket="prod-bucket")
        plain.put_object(Bucket="prod-bucket", Key="report.csv", Body=b"x")
        session = boto3.Session()
        iamsim.boto3.attach(session, world, caller=ALICE)
        denied = session.client("s3")
        keys = session.client("sts").assume_role(
            RoleArn=role, RoleSessionName="bench", ExternalId="my-secret-123"
        )["Credentials"]
        allowed = session.client(
            "s3",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
        )
        same = boto3.client(  # the same credentials, not hooked
            "s3",
            aws_access_key_id=keys["AccessKeyId"],
            aws_secret_access_key=keys["SecretAccessKey"],
            aws_session_token=keys["SessionToken"],
        )

        def deny() -> None:
            try:
                denied.get_object(Bucket="prod-bucket", Key="report.csv")
            except ClientError:
                return
            raise AssertionError("expected a denial")

        figures = {
            "denied GetObject through the hook (calls/s)": rate(deny, seconds),
            "the same decision, World.simulate (calls/s)": rate(
                lambda: world.simulate(
                    ALICE, "s3:GetObject", "arn:aws:s3:::prod-bucket/report.csv"
                ),
                seconds,
            ),
            "allowed GetObject, hook + moto (calls/s)": rate(
                lambda: allowed.get_object(Bucket="prod-bucket", Key="report.csv")["Body"].read(),
                seconds,
            ),
            "the same GetObject, moto alone (calls/s)": rate(
                lambda: same.get_object(Bucket="prod-bucket", Key="report.csv")["Body"].read(),
                seconds,
            ),
        }
    print(f"Python {sys.version.split()[0]}, boto3 {boto3.__version__}")
    for name, value in figures.items():
        print(f"{name:50} {value:10,.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
