"""Admin rights read from policy documents, not names."""

from __future__ import annotations

from typing import Any

import pytest

from bot.posture.iam_admin import PolicyDocument, admin_rights, escalation_paths


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _ids(*docs: dict[str, Any]) -> list[str]:
    return [r.path.id for r in admin_rights(PolicyDocument(f"p{i}", d) for i, d in enumerate(docs))]


def test_the_shipped_paths_load() -> None:
    ids = [p.id for p in escalation_paths()]
    assert ids[0] == "full_admin" and len(ids) == len(set(ids))


def test_star_on_star_is_full_admin_and_hides_what_it_implies() -> None:
    assert _ids(_doc({"Effect": "Allow", "Action": "*", "Resource": "*"})) == ["full_admin"]
    assert _ids(_doc({"Effect": "Allow", "Action": ["*"], "Resource": ["*"]})) == ["full_admin"]


def test_a_name_proves_nothing_the_document_decides() -> None:
    read_only = PolicyDocument(
        "AdministratorAccess",
        _doc({"Effect": "Allow", "Action": ["s3:Get*", "ec2:Describe*"], "Resource": "*"}),
    )
    assert admin_rights([read_only]) == []


def test_power_user_is_broad_but_not_iam() -> None:
    power = _doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:ListRoles"],
         "Resource": "*"},
    )  # fmt: skip
    assert _ids(power) == ["broad_writes"]


def test_passrole_needs_its_partner_and_every_resource() -> None:
    passrole = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    assert _ids(_doc(passrole)) == []
    run = {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}
    assert _ids(_doc(passrole), _doc(run)) == ["passrole_ec2"]  # across two policies
    one_role = dict(passrole, Resource="arn:aws:iam::123456789012:role/app-role")
    assert _ids(_doc(one_role, run)) == []


def test_a_deny_without_conditions_takes_it_back() -> None:
    allow = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    assert _ids(_doc(allow)) == ["iam_full"]
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
    assert _ids(_doc(allow, deny)) == []
    conditional = dict(deny, Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    assert _ids(_doc(allow, conditional)) == ["iam_full"]


@pytest.mark.parametrize(
    ("action", "path"),
    [
        ("iam:CreatePolicyVersion", "create_policy_version"),
        ("iam:AttachUserPolicy", "attach_user_policy"),
        ("iam:CreateAccessKey", "create_access_key"),
        ("IAM:putuserpolicy", "put_user_policy"),  # IAM action names ignore case
        ("iam:Create*", "create_policy_version"),
    ],
)
def test_single_action_escalations(action: str, path: str) -> None:
    assert path in _ids(_doc({"Effect": "Allow", "Action": action, "Resource": "*"}))


def test_malformed_documents_are_not_admin() -> None:
    text_statement = {"Version": "2012-10-17", "Statement": ["text", {"Effect": "Allow"}]}
    assert _ids({"Statement": "nope"}, {}, text_statement) == []
