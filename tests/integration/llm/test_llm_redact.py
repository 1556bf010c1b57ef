"""redact(): each kind of secret goes, the useful text around it stays."""

from __future__ import annotations

import pytest

from integrations.anthropic_llm import redact, redact_personal, shannon_entropy


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("creds AKIAIOSFODNN7EXAMPLE in env", "AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
        ("bot xoxb-1234567890-0987654321-AbCdEfGh posted", "xoxb-1234567890", "slack-token"),
        ("app xapp-1-A0123-4567-abcdef connected", "xapp-1-A0123", "slack-token"),
        ("hdr Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz", "credential"),
        ("dsn postgres://app:hunter2@db:5432/x", "hunter2", "password"),
        ("cfg password=hunter2 user=bob", "hunter2", "secret"),
        ('{"db_password": "two words"}', "two words", "secret"),
        ("AWS_SECRET_ACCESS_KEY='abc def'", "abc def", "secret"),
        ("key ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abc", "github-token"),
        ("sk-ant-api03-AbCdEfGhIjKlMnOpQrSt used", "sk-ant-api03", "api-key"),
        ("blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end", "wJalrXUtnFEMI", "high-entropy"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nxyz\n-----END RSA PRIVATE KEY-----",
            "MIIEpAIBAAKCAQEA",
            "pem-block",
        ),
    ],
)
def test_secret_is_replaced_and_named(text: str, secret: str, kind: str) -> None:
    out = redact(text)
    assert secret not in out
    assert f"[REDACTED:{kind}]" in out


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f9a2c1d4e5b6a7980f1e2d3c4b5a69788796a5b deployed",
        "request 123e4567-e89b-12d3-a456-426614174000 failed",
        "pod api-7d9f8c6b5d-x2k4q OOMKilled, basic authentication failed",
        "org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Executing with tokens:",
        "GET /api/v1/namespaces/prod/pods/web-0/log?tailLines=100 200",
    ],
)
def test_useful_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact("password=hunter2 Authorization: Bearer abcdefgh1234 AKIAIOSFODNN7EXAMPLE")
    assert redact(once) == once


def test_entropy() -> None:
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0


@pytest.mark.parametrize(
    ("text", "private", "kind"),
    [
        ("paged ops-oncall@acme-corp.example about it", "ops-oncall@acme-corp.example", "email"),
        ("dial tcp 10.44.3.21:5432: connection refused", "10.44.3.21", "ip"),
        ("peer fe80::1ff:fe23:4567:890a is gone", "fe80::1ff:fe23:4567:890a", "ip"),
        ("bound to 2001:db8:0:0:0:0:2:1 port 80", "2001:db8:0:0:0:0:2:1", "ip"),
        ("login password=Hunter2Ledger from 192.168.0.7", "Hunter2Ledger", "secret"),
    ],
)
def test_personal_addresses_go_too(text: str, private: str, kind: str) -> None:
    out = redact_personal(text)
    assert private not in out and f"[REDACTED:{kind}]" in out


@pytest.mark.parametrize(
    "text",
    [
        "at 2025-05-01T12:00:00Z took 12:00:00.123",
        "upgraded to 1.2.3 then v1.2.3.4.5",
        "std::io::Error in Foo::bar",
        "image acme/ledger:v3 pulled",
    ],
)
def test_times_versions_and_paths_are_not_addresses(text: str) -> None:
    assert redact_personal(text) == text
