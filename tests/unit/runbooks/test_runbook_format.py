"""The runbook format (docs/runbooks.md): triggers, mode, approval timeout, rate limit and a
rollback per step, validated by the pydantic schema; every refusal names the file, the line and
the key."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.remediate import registry
from bot.remediate.runbooks import Mode, Rollback, parse, parse_file

FULL = """\
name: restart-and-scale
description: Restart, then scale.
triggers:
  kinds: [memory_leak]
  signatures: [oom, k8s.oom_killed]
mode: auto
approval_timeout_minutes: 20
rate_limit: {max: 3, per_minutes: 120}
inputs:
  target: {type: str}
  replicas: {type: int, default: 3}
steps:
  - action: k8s.restart_deployment
    params: {namespace: prod, name: "{target}"}
    rollback: none
  - action: k8s.scale_deployment
    params: {namespace: prod, name: "{target}", replicas: "{replicas}"}
    rollback:
      action: k8s.scale_deployment
      params: {namespace: prod, name: "{target}", replicas: 2}
"""


def test_the_full_format_parses() -> None:
    book = parse(FULL, "restart-and-scale.yaml", lookup=registry.get)
    assert book.mode == Mode.AUTO and book.approval_timeout_minutes == 20
    assert book.triggers is not None and book.triggers.signatures == ["oom", "k8s.oom_killed"]
    assert book.rate_limit is not None and (book.rate_limit.max, book.rate_limit.per_minutes) == (
        3,
        120,
    )
    assert book.steps[0].rollback == "none"
    assert isinstance(book.steps[1].rollback, Rollback)
    minimal = parse("name: x\nsteps: [{action: k8s.delete_pod}]\n", "x.yaml", lookup=registry.get)
    assert minimal.mode == Mode.MANUAL and minimal.triggers is None
    assert minimal.steps[0].rollback == "undo"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  kinds: [memory_leak]\n  signatures: [oom, k8s.oom_killed]\n", "  kinds: []\n",
         "restart-and-scale.yaml:3: triggers: name at least one hypothesis kind"),
        ("mode: auto", "mode: always",
         "restart-and-scale.yaml:6: mode: Input should be 'manual', 'semi_auto' or 'auto'"),
        ("approval_timeout_minutes: 20", "approval_timeout_minutes: 0",
         "restart-and-scale.yaml:7: approval_timeout_minutes: Input should be greater than"),
        ("{max: 3, per_minutes: 120}", "{max: 0, per_minutes: 120}",
         "restart-and-scale.yaml:8: rate_limit.max: Input should be greater than or equal to 1"),
        ("{max: 3, per_minutes: 120}", "{max: 3}",
         "restart-and-scale.yaml:8: rate_limit.per_minutes: Field required"),
        ("    rollback: none", "    rollback: maybe",
         "restart-and-scale.yaml:15: steps[0].rollback"),
        ("      action: k8s.scale_deployment\n      params: {namespace: prod, name: \"{target}\","
         " replicas: 2}",
         "      action: rds.reboot_instance\n      params: {id: db}",
         "restart-and-scale.yaml:18: steps[1].rollback: rds.reboot_instance is high risk"),
        ("replicas: 2}", "replicas: \"{count}\"}",
         "restart-and-scale.yaml:18: steps[1].rollback: unknown placeholder(s) ['count']"),
    ],
)  # fmt: skip
def test_each_bad_value_is_refused_with_file_line_and_key(old: str, new: str, where: str) -> None:
    assert old in FULL
    with pytest.raises(ConfigError) as caught:
        parse(FULL.replace(old, new), "restart-and-scale.yaml", lookup=registry.get)
    assert str(caught.value).startswith(where), str(caught.value)


def test_the_name_must_be_the_file_name_and_yaml_errors_have_a_line() -> None:
    with pytest.raises(ConfigError, match=r"^other.yaml:1: name: must equal the file name"):
        parse_file("other.yaml", FULL, lookup=registry.get)
    with pytest.raises(ConfigError, match=r"^x.yaml:4: not valid YAML"):
        parse("name: x\nsteps:\n  - [unclosed\n", "x.yaml", lookup=registry.get)
