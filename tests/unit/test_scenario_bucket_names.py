"""A bucket name S3 would refuse is a scenario error with its line, not a crash while seeding."""

from __future__ import annotations

import pytest

from sandbox.scenario import ScenarioError, parse_scenario_text

BASE = """\
version: 1
name: buckets
now: '2025-06-01T12:00:00Z'
services:
  - {name: exports, runs_on: {kind: s3, name: NAME}}
aws:
  s3_buckets:
    - {name: NAME, public: true}
alerts:
  - {id: a1, at: -1m, format: generic, name: BucketPublic, severity: warning, service: exports}
"""


@pytest.mark.parametrize("name", ["acme-exports", "logs.acme.example", "a1b", "x" * 63])
def test_names_s3_accepts_load(name: str) -> None:
    loaded = parse_scenario_text(BASE.replace("NAME", name), "b.yaml")
    assert loaded.scenario.aws.s3_buckets[0].name == name


@pytest.mark.parametrize(
    "name", ["Acme_Exports", "ab", "x" * 64, "-acme", "acme-", "acme..logs", "acme exports"]
)
def test_names_s3_refuses_are_scenario_errors(name: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_text(BASE.replace("NAME", f"'{name}'"), "b.yaml")
    text = str(caught.value)
    assert "b.yaml:8:" in text and "aws.s3_buckets[0].name" in text and "S3 bucket name" in text
