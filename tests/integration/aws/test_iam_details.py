"""``PolicyReader`` on the sandbox's IAM (moto server, real boto3): who holds which policy comes
from one paginated ``GetAccountAuthorizationDetails``, so the policy calls do not grow with the
number of principals; a user made after that read is still read, alone."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from integrations.aws.iam_policies import PolicyReader
from sandbox.aws import moto_server

ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip


@pytest.fixture(scope="module")
def iam() -> Iterator[Any]:
    url = moto_server.acquire()
    try:
        session = boto3.Session(region_name="us-east-1", **moto_server.CREDENTIALS)
        yield session.client("iam", endpoint_url=url)
    finally:
        moto_server.release()


def _counted(iam: Any) -> Counter[str]:
    calls: Counter[str] = Counter()
    iam.meta.events.register("before-call", lambda model, **_: calls.update([model.name]))
    return calls


def test_policies_come_from_the_authorization_details(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=json.dumps(ALL))["Policy"]
    iam.create_group(GroupName="ops")
    iam.attach_group_policy(GroupName="ops", PolicyArn=arn["Arn"])
    for i in range(12):
        iam.create_user(UserName=f"dev-{i}")
        iam.put_user_policy(UserName=f"dev-{i}", PolicyName="own", PolicyDocument=json.dumps(ALL))
        iam.add_user_to_group(GroupName="ops", UserName=f"dev-{i}")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="app", PolicyArn=arn["Arn"])
    calls = _counted(iam)
    reader = PolicyReader(iam)
    users = {u.name: u for u in reader.users()}
    roles = {r.name: r for r in reader.roles()}
    assert [p.name for p in users["dev-3"].policies] == ["inline own", "group ops: everything"]
    assert users["dev-3"].policies[0].document == ALL
    assert [p.name for p in roles["app"].policies] == ["everything"]
    assert roles["app"].service_role
    per_principal = (
        "ListAttachedUserPolicies", "ListUserPolicies", "GetUserPolicy", "ListGroupsForUser",
        "ListAttachedRolePolicies", "ListRolePolicies",
    )  # fmt: skip
    assert not any(calls[op] for op in per_principal)
    assert calls["GetAccountAuthorizationDetails"] == 1
    assert calls["GetPolicyVersion"] == 1  # the one managed document, read once


def test_a_user_made_after_the_details_were_read_is_read_alone(iam: Any) -> None:
    reader = PolicyReader(iam)
    reader.details()
    iam.create_user(UserName="late")
    iam.put_user_policy(UserName="late", PolicyName="own", PolicyDocument=json.dumps(ALL))
    late = next(u for u in reader.users() if u.name == "late")
    assert [p.name for p in late.policies] == ["inline own"]


def test_keys_and_mfa_are_asked_per_user_only_where_the_credential_report_leaves_it_open(
    iam: Any,
) -> None:
    for name in ("quiet-1", "quiet-2", "quiet-3", "keyed", "phone"):
        iam.create_user(UserName=name)
    key = iam.create_access_key(UserName="keyed")["AccessKey"]["AccessKeyId"]
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="phone", SerialNumber=serial, AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )  # fmt: skip
    calls = _counted(iam)
    users = {u.name: u for u in PolicyReader(iam).users()}
    assert calls["GetCredentialReport"] == 1
    assert calls["ListVirtualMFADevices"] == 1
    # the one user with a key is asked about its keys; nobody is asked about MFA: the report
    # says who has none, the virtual devices who has one
    assert calls["ListAccessKeys"] == 1
    assert calls["ListMFADevices"] == 0
    assert [k.key_id for k in users["keyed"].keys] == [key]
    assert users["quiet-1"].keys == [] and users["quiet-1"].mfa is False
    assert users["phone"].mfa is True
    # a key deactivated (the approved fix) reads as such at once, whatever the report says
    iam.update_access_key(UserName="keyed", AccessKeyId=key, Status="Inactive")
    again = next(u for u in PolicyReader(iam).users() if u.name == "keyed")
    assert [k.status for k in again.keys] == ["Inactive"]
