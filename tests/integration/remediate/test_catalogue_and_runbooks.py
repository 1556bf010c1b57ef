"""The registry is the only action catalogue, loaded from one explicit list; runbooks are
validated: only registry actions, only typed inputs, no high-risk step."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.errors import ConfigError, UserError
from bot.investigate.interpret import _action_params
from bot.investigate.playbook_load import load_playbooks
from bot.remediate import catalogue, registry
from bot.remediate.runbooks import load_runbooks, parse, render
from tests.conftest import ROOT


def test_the_registry_is_the_one_catalogue() -> None:
    """Every built-in action comes from the explicit list in ``catalogue``, once; the playbooks
    recommend only actions it holds, and their risk is the registry's."""
    listed = [s.name for s in catalogue.builtin(registry.get)]
    assert len(listed) == len(set(listed))
    assert set(listed) <= {s.name for s in registry.all_actions()}
    assert not (ROOT / "bot" / "investigate" / "actions.py").exists()
    for book in load_playbooks():
        for rem in book.remediations:
            assert rem.action in listed, f"{book.name}: {rem.action}"


def test_action_modules_do_not_register_themselves() -> None:
    """Importing an action module adds nothing: only the registry registers the catalogue."""
    code = (
        "import sys; from bot.remediate import actions_k8s, actions_aws;"
        "print('bot.remediate.registry' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


def test_recommended_params_are_typed_by_the_registry() -> None:
    """A playbook's rendered params reach the recommendation as the registry types them: a
    numeric text becomes an int, a number for a text param becomes text, an unfilled required
    placeholder drops the recommendation."""
    scale = {"namespace": "p", "name": "w", "replicas": "4"}
    assert _action_params("k8s.scale_deployment", scale) == {**scale, "replicas": 4}
    assert _action_params("ec2.start_instance", {"instance": 1234}) == {"instance": "1234"}
    assert _action_params("k8s.delete_pod", {"namespace": "p", "name": None}) is None
    assert _action_params("k8s.delete_pod", {"namespace": "p", "name": "x", "bogus": 1}) is None


def test_shipped_runbooks_load_and_render_typed_params() -> None:
    books = load_runbooks(lookup=registry.get)
    steps = render(
        books["restart-and-scale"], {"target": "web", "replicas": "4"}, lookup=registry.get
    )
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
        parse(text, lookup=registry.get)


def test_runbook_inputs_are_typed() -> None:
    book = load_runbooks(lookup=registry.get)["restart-and-scale"]
    with pytest.raises(UserError, match="must be int"):
        render(book, {"target": "web", "replicas": "three"}, lookup=registry.get)
    with pytest.raises(UserError, match="unknown input"):
        render(book, {"target": "web", "cmd": "; rm -rf /"}, lookup=registry.get)
