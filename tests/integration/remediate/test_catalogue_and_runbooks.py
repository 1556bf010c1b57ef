"""The investigation's action catalogue agrees with the registry (the source of truth), and
runbooks are validated: only registry actions, only typed inputs, no high-risk step."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError, UserError
from bot.investigate.actions import ACTIONS
from bot.remediate import registry
from bot.remediate.runbooks import load_runbooks, parse, render


def _accepted(spec: registry.ActionSpec) -> set[str]:
    names = set()
    for name, f in spec.params.model_fields.items():
        names.add(name)
        choices = getattr(f.validation_alias, "choices", None) or []
        names.update(str(c) for c in choices)
    return names


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_catalogue_entry_matches_the_registry(name: str) -> None:
    entry = ACTIONS[name]
    spec = registry.get(name)
    assert entry.risk == spec.risk.value
    required = {k for k, f in spec.params.model_fields.items() if f.is_required()}
    assert required <= set(entry.params), f"{name}: catalogue must require {required}"
    assert set(entry.params) | set(entry.optional) <= _accepted(spec)


def test_every_registry_action_is_in_the_catalogue() -> None:
    builtin = {s.name for s in registry.all_actions() if not s.name.startswith("test.")}
    assert builtin == set(ACTIONS)


def test_shipped_runbooks_load_and_render_typed_params() -> None:
    books = load_runbooks()
    steps = render(books["restart-and-scale"], {"target": "web", "replicas": "4"})
    assert steps[1].params == {"namespace": "prod", "name": "web", "replicas": 4}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nsteps: [{action: k8s.nuke, params: {}}]\n", "unknown action"),
        (
            "name: x\nsteps: [{action: rds.reboot_instance, params: {id: '{target}'}}]\n",
            "high risk",
        ),
        (
            "name: x\nsteps: [{action: k8s.delete_pod, params: {namespace: p, name: '{pod}'}}]\n",
            "unknown placeholder",
        ),
        ("name: x\nsteps: [{action: runbook.run, params: {name: y}}]\n", "another runbook"),
        ("name: x\nshell: rm -rf /\nsteps: [{action: k8s.delete_pod}]\n", "shell"),
    ],
)
def test_bad_runbooks_are_refused_at_load(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text)


def test_runbook_inputs_are_typed() -> None:
    book = load_runbooks()["restart-and-scale"]
    with pytest.raises(UserError, match="must be int"):
        render(book, {"target": "web", "replicas": "three"})
    with pytest.raises(UserError, match="unknown input"):
        render(book, {"target": "web", "cmd": "; rm -rf /"})
