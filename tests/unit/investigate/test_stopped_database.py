"""A stopped RDS instance is down for its clients, but a reboot cannot bring it back (the API
reboots running instances only; a stopped one is started, which no registry action does):
``rds_down.yaml`` offers the reboot for an instance RDS reports failed, never for a stopped one.
Made-up names; fails without the ``state: {ne: stopped}`` condition of the reboot."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.interpret import rank, recommend
from bot.investigate.models import Finding, FindingType
from bot.investigate.playbook_load import load_playbooks

TOPO = Topology(
    [
        ServiceNode("quorbel", "k8s_deployment", "quorbel", "tavi", depends_on=("plinmar",)),
        ServiceNode("plinmar", "rds", "plinmar"),
    ]
)


def _actions(state: str) -> list[str]:
    down = Finding(
        type=FindingType.RESOURCE_STATE,
        service="plinmar",
        summary=f"plinmar: RDS instance plinmar status is {state}",
        source="rds:plinmar",
        attrs={"resource": "rds", "state": state, "healthy": False, "id": "plinmar"},
    )
    books = [b for b in load_playbooks() if b.name == "rds_down"]
    ranked = rank(books, [down], ["quorbel", "plinmar"], TOPO)
    assert [(h.kind, h.service) for h in ranked][:1] == [("database_unavailable", "plinmar")]
    return [a.action for a in recommend(ranked, books, [down], TOPO)]


def test_a_failed_instance_may_be_rebooted_a_stopped_one_is_not() -> None:
    assert "rds.reboot_instance" in _actions("failed")
    assert "rds.reboot_instance" not in _actions("stopped")
