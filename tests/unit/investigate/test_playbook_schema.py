"""Playbooks load and validate; a broken one names its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.investigate.coverage import COVERAGE_ROWS
from bot.investigate.playbook_schema import load_playbooks

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
            "bad.yaml: steps[0].primitive: unknown primitive 'metrics.nope'",
        ),
        (
            lambda t: t.replace("action: ec2.start_instance", "action: ec2.terminate"),
            "bad.yaml: remediations[0].action: unknown action 'ec2.terminate'",
        ),
        (lambda t: t.replace("base: 0.5", "base: 7"), "bad.yaml: hypotheses[0].base:"),
        (
            lambda t: t.replace("type: resource_state", "type: vibes"),
            "bad.yaml: hypotheses[0].all[0].type:",
        ),
        (
            lambda t: t.replace(
                "incident_class: availability", "incident_class: availability\ncolour: red"
            ),
            "bad.yaml: colour:",
        ),
        (lambda t: t.replace("name: bad", "name: other"), "bad.yaml: name: must equal"),
        (lambda t: t + "  - [", "bad.yaml: not valid YAML"),
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
