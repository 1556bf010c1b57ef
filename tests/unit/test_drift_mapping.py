"""The drift mapping is validated data: the shipped file loads, names only live readers that
exist, and a broken mapping is a clear ``ConfigError`` with the place that is wrong."""

from __future__ import annotations

import pytest

from bot.drift.compare import MISSING, declared, differences
from bot.drift.mapping import mapping, parse_mapping
from bot.errors import ConfigError
from integrations.aws.cloudformation import READERS


def test_the_shipped_mapping_names_readers_that_exist() -> None:
    kinds = mapping().kinds
    assert {k.live for k in kinds} <= set(READERS)
    assert all(k.cloudformation or k.terraform for k in kinds)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("kinds: []", "kinds"),
        (
            "kinds: [{live: x, attributes: [{name: a, cloudformation: A}]}]",
            "kinds[0].attributes[0]",
        ),
        ("kinds: [{live: x, attributes: [{name: a, terraform: a, tf_shape: hex}]}]", "tf_shape"),
        ("kinds: [{live: x, attributes: [{name: a}], colour: red}]", "colour"),
        ("kinds: [", "not valid YAML"),
    ],
)
def test_a_broken_mapping_says_where(text: str, where: str) -> None:
    with pytest.raises(
        ConfigError, match=f"bad.yaml: .*{where}".replace("[", r"\[").replace("]", r"\]")
    ):
        parse_mapping(text, "bad.yaml")


def test_intrinsics_and_absent_properties_are_not_compared() -> None:
    props = {"InstanceType": {"Ref": "Size"}, "Tags": [{"Key": "a", "Value": {"Fn::Sub": "x"}}]}
    assert declared(props, "InstanceType", "str") is MISSING
    assert declared(props, "Tags", "tags_kv") is MISSING
    assert declared(props, "MemorySize", "int") is MISSING
    assert declared({"MemorySize": "512"}, "MemorySize", "int") == 512


def test_tags_aws_adds_itself_are_not_drift() -> None:
    live = {"team": "web", "aws:cloudformation:stack-name": "app"}
    assert differences("tags", {"team": "web"}, live) == []
