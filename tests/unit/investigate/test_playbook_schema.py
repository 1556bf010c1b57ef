"""Playbooks load and validate; a broken one names its file, line and key, and a rule may only
name attributes its finding type declares."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.errors import ConfigError
from bot.investigate.coverage import COVERAGE_ROWS
from bot.investigate.finding_types import ATTRS
from bot.investigate.models import Finding, FindingType
from bot.investigate.playbook_load import load_playbooks

GOOD = """\
name: {name}
title: T
incident_class: availability
steps:
  - {{primitive: metrics.scan}}
hypotheses:
  - kind: instance_stopped
    summary: "{{service}} stopped"
    base: 0.5
    all:
      - {{type: resource_state, where: {{state: stopped}}}}
remediations:
  - action: ec2.start_instance
    kinds: [instance_stopped]
    params: {{instance: "{{resource}}"}}
    rationale: start
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def test_the_shipped_playbooks_load_and_cover_the_matrix() -> None:
    books = load_playbooks()
    covered = {b.coverage for b in books}
    assert set(COVERAGE_ROWS) <= covered, set(COVERAGE_ROWS) - covered
    assert sum(b.always for b in books) == 1


def test_a_valid_playbook_loads(tmp_path: Path) -> None:
    books = load_playbooks(write(tmp_path, "ok_book", GOOD.format(name="ok_book")))
    assert [b.name for b in books] == ["ok_book"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda t: t.replace("primitive: metrics.scan", "primitive: metrics.nope"),
            "bad.yaml:5: steps[0].primitive: unknown primitive 'metrics.nope'",
        ),
        (
            lambda t: t.replace("action: ec2.start_instance", "action: ec2.terminate"),
            "bad.yaml:13: remediations[0].action: unknown action 'ec2.terminate'",
        ),
        (lambda t: t.replace("base: 0.5", "base: 7"), "bad.yaml:9: hypotheses[0].base:"),
        (
            lambda t: t.replace("type: resource_state", "type: vibes"),
            "bad.yaml:11: hypotheses[0].all[0].type:",
        ),
        (
            lambda t: t.replace(
                "incident_class: availability", "incident_class: availability\ncolour: red"
            ),
            "bad.yaml:4: colour:",
        ),
        (lambda t: t.replace("name: bad", "name: other"), "bad.yaml:1: name: must equal"),
        (lambda t: t + "  - [", "bad.yaml:17: not valid YAML"),
        (  # a misspelt attribute would silently never match: it fails at load
            lambda t: t.replace("where: {state: stopped}", "where: {stat: stopped}"),
            "bad.yaml:11: hypotheses[0].all[0].where.stat: not an attribute of resource_state",
        ),
        (
            lambda t: t.replace("where: {state: stopped}", "where: {state: {gte: 3}}"),
            "bad.yaml:11: hypotheses[0].all[0].where.state: gte / lte need a number",
        ),
        (
            lambda t: t.replace('params: {instance: "{resource}"}', 'params: {instance: "{m.id}"}'),
            "bad.yaml:15: remediations[0].params.instance: {m.id} needs a 'when' matcher",
        ),
        (
            lambda t: t.replace(
                'params: {instance: "{resource}"}',
                'when: {type: limit}\n    params: {instance: "{m.instance}"}',
            ),
            "bad.yaml:16: remediations[0].params.instance: m.instance: not an attribute of limit",
        ),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, "bad", mutate(GOOD.format(name="bad")))
    with pytest.raises(ConfigError) as err:
        load_playbooks(tmp_path)
    assert str(err.value).startswith(message), str(err.value)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no playbooks"):
        load_playbooks(tmp_path)


def test_a_where_key_on_its_own_line_is_reported_on_that_line(tmp_path: Path) -> None:
    text = GOOD.format(name="bad").replace(
        "      - {type: resource_state, where: {state: stopped}}",
        "      - type: resource_state\n        where:\n          state: stopped\n"
        "          helthy: false",
    )
    write(tmp_path, "bad", text)
    with pytest.raises(ConfigError) as err:
        load_playbooks(tmp_path)
    assert str(err.value).startswith("bad.yaml:14: hypotheses[0].all[0].where.helthy:"), err.value


def test_findings_carry_only_declared_attributes() -> None:
    ok = Finding(type=FindingType.LIMIT, summary="s", source="aws", attrs={"limit": "timeout"})
    assert ok.get("limit") == "timeout"
    with pytest.raises(ValidationError, match="limits: not an attribute of limit"):
        Finding(type=FindingType.LIMIT, summary="s", source="aws", attrs={"limits": "timeout"})
    with pytest.raises(ValidationError, match="configured"):
        Finding(type=FindingType.LIMIT, summary="s", source="aws", attrs={"configured": "many"})
    tagged = {"state": "stopped", "tag_team": "payments"}  # EC2 tags are open extras
    assert Finding(type=FindingType.RESOURCE_STATE, summary="s", source="ec2", attrs=tagged)
    detail = {"kind": "deployment", "commit": "abc123"}  # a change keeps its source's detail
    assert Finding(type=FindingType.CHANGE, summary="s", source="github", attrs=detail)


def test_every_finding_type_declares_its_attributes() -> None:
    assert set(ATTRS) == set(FindingType)
