"""``load_yaml``: libyaml's speed, the pure loader's error marks."""

from __future__ import annotations

import pytest
import yaml

from bot.yamlloc import load_yaml


def test_it_reads_what_safe_load_reads() -> None:
    text = "name: x\nwhen: 2026-12-07T10:00:00Z\nsteps: [1, two, {three: 3.0}]\n"
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ["a: 1\nb:\n  - [", "a: {b: 1\n", "a: 1\n b: 2\n"])
def test_a_refused_document_points_where_safe_load_points(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as ours:
        load_yaml(text)
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.safe_load(text)
    assert str(ours.value) == str(pure.value)


def test_python_objects_stay_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']")
