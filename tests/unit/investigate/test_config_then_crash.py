"""A workload whose configuration changed and whose containers have exited with an error since
cannot run on it: crashloop_bad_config (change effect own_configuration_crash), not a generic
config_change; killed for memory, or a change older than the window, it is not that reading.
A pod's state has no time of its own: it holds now, so it falls in a change's window when the
change is no older than the window. Made-up names."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_reasoning import crash, finding

SHOP = Topology([ServiceNode("quill", "k8s_deployment", "quill", "ink")])


def config(ago: float) -> Finding:
    return finding(
        FindingType.CHANGE,
        "quill",
        f"quill: config {ago:g} min ago by ops",
        ago,
        kind="config",
        minutes_ago=ago,
        label="config",
        behavioural=True,
        object="deployment/quill",
    )


def top(findings: list[Finding]) -> tuple[str, str]:
    done = conclude([], default_playbooks(), findings, SHOP)
    return (done.hypotheses[0].kind, done.hypotheses[0].service)


def test_containers_exiting_after_a_configuration_change_cannot_run_on_it() -> None:
    done = conclude([], default_playbooks(), [config(15), crash("quill", exit_code=1)], SHOP)
    first = done.hypotheses[0]
    assert (first.kind, first.service) == ("crashloop_bad_config", "quill")
    assert "quill: config 15 min ago by ops" in first.evidence


def test_killed_for_memory_after_a_configuration_change_is_not_that_reading() -> None:
    oom = crash("quill", exit_code=137, reason="OOMKilled")
    done = conclude([], default_playbooks(), [config(15), oom], SHOP)
    assert not any(
        h.playbook == "reasoning:change_effects" and h.kind == "crashloop_bad_config"
        for h in done.hypotheses
    )


def test_a_change_older_than_the_window_is_not_bound_to_the_pods_state_now() -> None:
    done = conclude([], default_playbooks(), [config(300), crash("quill", exit_code=1)], SHOP)
    assert not any(h.playbook == "reasoning:change_effects" for h in done.hypotheses)


def test_a_configuration_change_whose_pods_never_get_ready_stays_a_config_change() -> None:
    """own_configuration_crash does not show (nothing exits): the next reading of the changed
    service, own_configuration, is the change's."""
    not_ready = finding(
        FindingType.POD_STATE,
        "quill",
        "quill: 1 of 1 pod(s) NotReady",
        reason="NotReady",
        count=1,
        pods=1,
    )
    done = conclude([], default_playbooks(), [config(15), not_ready], SHOP)
    effects = [h for h in done.hypotheses if h.playbook == "reasoning:change_effects"]
    assert [(h.kind, h.service) for h in effects] == [("config_change", "quill")]
