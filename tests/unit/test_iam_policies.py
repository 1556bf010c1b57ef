"""The IAM policies in deploy/aws list exactly the AWS API calls the code makes.

Calls are found in the source (boto3 method names and paginator names, checked against
botocore's own service models, so nothing else is mistaken for an API call); reads go in
``iam-readonly.json``, the calls of the remediation write modules in ``iam-remediation.json``,
and those of the account fan-out (assume a role per account, list the organization's accounts)
in ``iam-accounts.json``, the policy of the bot's own identity when it reads several accounts.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "deploy" / "aws"
#: (IAM prefix, botocore service) of every service the code talks to
SERVICES = {
    "cloudwatch": "cloudwatch", "logs": "logs", "cloudtrail": "cloudtrail", "ec2": "ec2",
    "rds": "rds", "ecs": "ecs", "lambda": "lambda", "s3": "s3", "iam": "iam", "acm": "acm",
    "autoscaling": "autoscaling", "cloudfront": "cloudfront", "elasticloadbalancing": "elbv2",
    "cloudformation": "cloudformation", "sts": "sts", "organizations": "organizations",
    "guardduty": "guardduty", "inspector2": "inspector2",
    "config": "config", "ce": "ce", "s3control": "s3control",
}  # fmt: skip
#: S3 operations whose IAM action has another name
S3_ACTIONS = {
    "ListBuckets": "ListAllMyBuckets",
    "HeadBucket": "ListBucket",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
}
#: S3 Control: the account-level operations, whose IAM actions are ``s3:…Account…``
S3CONTROL_ACTIONS = {
    "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
    "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
    "DeletePublicAccessBlock": "PutAccountPublicAccessBlock",
}
WRITE_MODULES = ("integrations/aws/writes_compute.py", "integrations/aws/writes_data.py")
ACCOUNT_MODULES = ("integrations/aws/accounts.py",)
#: optional policies: a module whose calls are not read-only but change nothing in service
OPTIONAL = {"iam-reachability-analyzer.json": "integrations/aws/reachability_analyzer.py"}
#: actions named like writes that AWS's Service Authorization Reference lists at access level
#: "Read" (making the credential report changes nothing in the account)
READ_ACCESS_LEVEL = {"iam:GenerateCredentialReport"}
READ_ROOTS = (
    "integrations", "bot/investigate", "bot/capacity", "bot/inventory", "bot/drift", "bot/posture",
)  # fmt: skip


def _operations() -> dict[str, set[str]]:
    """snake_case operation name -> IAM actions it may be (one per service that has it)."""
    session = botocore.session.get_session()
    out: dict[str, set[str]] = {}
    for prefix, service in SERVICES.items():
        model = session.get_service_model(service)
        for op in model.operation_names:
            snake = botocore.xform_name(op)
            name = S3_ACTIONS.get(op, op) if service == "s3" else op
            if service == "s3control":
                prefix, name = "s3", S3CONTROL_ACTIONS.get(op, op)
            out.setdefault(snake, set()).add(f"{prefix}:{name}")
    return out


def _calls(paths: list[Path], ops: dict[str, set[str]]) -> dict[str, set[str]]:
    """operation name -> files calling it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                name = str(node.args[0].value)
            if name in ops:
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def _policy(name: str) -> set[str]:
    doc = json.loads((POLICIES / name).read_text())
    return {a for stmt in doc["Statement"] for a in stmt["Action"]}


@pytest.fixture(scope="module")
def ops() -> dict[str, set[str]]:
    return _operations()


def _sources(roots: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files += [p for p in (ROOT / root).rglob("*.py") if "sandbox" not in p.parts]
    return files


def _resolve(calls: dict[str, set[str]], ops: dict[str, set[str]], policy: set[str]) -> set[str]:
    """The IAM action each call needs (the one the policy names when several services share
    an operation name); fails on a call no policy action covers."""
    needed = set()
    for op, files in calls.items():
        candidates = ops[op]
        hit = candidates & policy
        assert hit, f"{op} (called in {sorted(files)}) is missing: one of {sorted(candidates)}"
        needed |= hit
    return needed


def test_readonly_policy_lists_exactly_the_read_calls(ops: dict[str, set[str]]) -> None:
    writes = {ROOT / m for m in (*WRITE_MODULES, *ACCOUNT_MODULES, *OPTIONAL.values())}
    files = [p for p in _sources(READ_ROOTS) if p not in writes and "remediate" not in p.parts]
    calls = _calls(files, ops)
    policy = _policy("iam-readonly.json")
    needed = _resolve(calls, ops, policy)
    assert policy - needed == set(), "actions no code calls"
    verbs = ("Get", "List", "Describe", "Lookup", "Filter", "BatchGet")
    reads = policy - READ_ACCESS_LEVEL
    assert all(a.split(":")[1].startswith(verbs) for a in reads), "a write in the read policy"


def test_remediation_policy_lists_exactly_the_write_modules_calls(
    ops: dict[str, set[str]],
) -> None:
    calls = _calls([ROOT / m for m in WRITE_MODULES], ops)
    policy = _policy("iam-remediation.json")
    needed = _resolve(calls, ops, policy)
    assert policy - needed == set(), "actions no code calls"
    assert any(not a.split(":")[1].startswith(("Get", "List", "Describe")) for a in policy)


def test_accounts_policy_lists_exactly_the_fan_out_calls(ops: dict[str, set[str]]) -> None:
    calls = _calls([ROOT / m for m in ACCOUNT_MODULES], ops)
    policy = _policy("iam-accounts.json")
    assert policy - _resolve(calls, ops, policy) == set(), "actions no code calls"
    assert {"sts:AssumeRole", "organizations:ListAccounts"} <= policy


@pytest.mark.parametrize("policy_file", sorted(OPTIONAL))
def test_optional_policies_list_exactly_their_modules_calls(
    ops: dict[str, set[str]], policy_file: str
) -> None:
    calls = _calls([ROOT / OPTIONAL[policy_file]], ops)
    policy = _policy(policy_file)
    assert policy - _resolve(calls, ops, policy) == set(), "actions no code calls"
