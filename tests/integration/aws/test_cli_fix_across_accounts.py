"""From the terminal, end to end: ``aiops audit security --format csv`` across the accounts file
names each finding's fix (``fix_action``, ``fix_params``) and where it is (``account``,
``region``); ``aiops remediate propose`` with those words and ``--account`` / ``--region``
waits for approval; ``aiops remediate approve`` runs it in that account, with its role; the
next audit no longer reports it there, and the same-named group of the other account is still
reported. On the sandbox's moto with real STS (``tests/accounts_world.py``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.accounts_world import ACCOUNTS, PROD, REGIONS, STAGING, assumed, quiet_gaps
from tests.cli import run_aiops

GROUP = "cli-bastion"


@pytest.fixture(scope="module")
def gaps() -> Iterator[str]:
    with quiet_gaps() as url:
        yield url


@pytest.fixture(scope="module")
def groups(base: boto3.Session, url: str) -> None:
    for number in (PROD, STAGING):
        ec2 = assumed(base, url, number, "ec2", "us-east-1")
        gid = ec2.create_security_group(GroupName=GROUP, Description=GROUP)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )  # fmt: skip


@pytest.fixture
def env(groups: None, url: str, gaps: str, tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    return {
        "AIOPS_ACCOUNTS_FILE": str(accounts), "AIOPS_CONFIG": str(tmp_path / "none.toml"),
        "AWS_ENDPOINT_URL": url, "AIOPS_AWS_GAPS_ENDPOINT_URL": gaps, "AWS_REGION": REGIONS[0],
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "DATABASE_URL": sqlite_url,  # migrated
    }  # fmt: skip


def _ssh(env: dict[str, str]) -> dict[str, dict[str, str]]:
    done = run_aiops("audit", "security", "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    rows = csv.DictReader(io.StringIO(done.stdout))
    return {r["account"]: r for r in rows if GROUP in r["summary"] and r["check"] == "sg_open"}


def test_a_finding_of_another_account_is_fixed_there_from_the_terminal(
    env: dict[str, str],
) -> None:
    before = _ssh(env)
    assert before.keys() == {"prod", "staging"}
    row = before["staging"]
    assert row["fix_action"] == "ec2.revoke_ingress" and row["region"] == "us-east-1"
    assert row["fix_params"].startswith("group=sg-") and "port=22" in row["fix_params"]

    asked = run_aiops(
        "remediate", "propose", row["fix_action"], *row["fix_params"].split(),
        "--account", row["account"], "--region", row["region"], "--user", "auditor", env=env,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stdout + asked.stderr
    assert "pending" in asked.stdout
    request = re.search(r"request #(\d+)", asked.stdout)
    assert request is not None
    listed = run_aiops("remediate", "list", env={**env, "COLUMNS": "250"})
    assert "account staging (us-east-1)" in listed.stdout

    ran = run_aiops("remediate", "approve", request.group(1), "--user", "ops", "--role",
                    "operator", env=env)  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "verified" in ran.stdout
    after = _ssh(env)
    assert after.keys() == {"prod"}  # clean in staging; prod's same-named group still open


def test_a_place_the_accounts_file_does_not_have_is_refused_before_proposing(
    env: dict[str, str],
) -> None:
    words = ("group=sg-0abc", "port=22", "cidr=0.0.0.0/0")
    nowhere = run_aiops("remediate", "propose", "ec2.revoke_ingress", *words,
                        "--account", "qa", env=env)  # fmt: skip
    assert nowhere.returncode != 0 and "no account 'qa'" in nowhere.stdout + nowhere.stderr
    bad = run_aiops("remediate", "propose", "ec2.revoke_ingress", "port:22", env=env)
    assert bad.returncode != 0 and "is not key=value" in bad.stdout + bad.stderr
    listed = run_aiops("remediate", "list", env=env)
    assert "0 remediation request(s)" in listed.stdout
