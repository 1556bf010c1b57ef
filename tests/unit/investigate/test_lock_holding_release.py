"""What a release can cause: a database client released just before its own statements begin
to wait on row locks holds them (its new transactions), so its rollback is the fix and "slow
queries" only reports it (change_relevance.yaml ``lock_holding_release``, the effect's
``explains``). Without the release, lock waits stay slow queries. Made-up names and lines."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.interpret import rank
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_general_causes import signed
from tests.unit.investigate.test_reasoning import finding
from tests.unit.investigate.test_unrelated_undo import _deploy

ZOR = Topology(
    [
        ServiceNode("plou", "k8s_deployment", "plou", "zor", depends_on=("brisk",)),
        ServiceNode("brisk", "k8s_deployment", "brisk", "zor", depends_on=("vantor",)),
        ServiceNode("vantor", "rds", "vantor", tier="data"),
    ]
)
WAIT = (
    "com.mysql.cj.jdbc.exceptions.MySQLTransactionRollbackException: "
    "Lock wait timeout exceeded; try restarting transaction"
)


def _waits() -> list[Finding]:
    return [
        signed("brisk", WAIT, 18, count=60),
        finding(
            FindingType.METRIC_SHIFT,
            "brisk",
            "latency (brisk) rose 18 min ago",
            18,
            signal="latency",
            direction="up",
            recovered=False,
            onset_min_ago=18,
        ),  # fmt: skip
    ]


def _top(findings: list[Finding]) -> list[tuple[str, str]]:
    books = default_playbooks()
    ranked = rank(list(books), findings, ["plou", "brisk", "vantor"], ZOR)
    done = conclude(ranked, books, findings, ZOR)
    return [(h.kind, h.service) for h in done.hypotheses]


def test_lock_waits_right_after_a_release_blame_the_release() -> None:
    findings = [*_waits(), *_deploy(25)]
    assert findings[0].attrs["cause_kind"] == "db_lock_contention"
    got = _top(findings)
    assert got[0] == ("deployment_regression", "brisk")


def test_lock_waits_without_a_release_are_not_blamed_on_one() -> None:
    got = _top(_waits())
    assert ("deployment_regression", "brisk") not in got[:1]


PEERS = Topology(
    [
        ServiceNode("brisk", "k8s_deployment", "brisk", "zor", depends_on=("vantor",)),
        ServiceNode("quell", "k8s_deployment", "quell", "zor", depends_on=("vantor",)),
        ServiceNode("vantor", "rds", "vantor", tier="data"),
    ]
)


def test_the_other_clients_waiting_on_the_same_locks_are_explained_by_the_release() -> None:
    """quell waits on locks more (more lines) than brisk, which released just before: the
    waits of quell began after brisk's release and are brisk's locks."""
    findings = [*_waits(), signed("quell", WAIT, 17, count=200), *_deploy(25)]
    books = default_playbooks()
    ranked = rank(list(books), findings, ["brisk", "quell", "vantor"], PEERS)
    done = conclude(ranked, books, findings, PEERS)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == (
        "deployment_regression",
        "brisk",
    )
