"""A pod killed for memory yesterday and gone: only the alerts of that day say why. Resolved
alerts in the store (and the incident's own alerts) are read through the signature catalogue,
and the service gets a hypothesis naming the mode, the cause and the alert as evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.fallback import failing_services, never_silent
from bot.investigate.models import FindingType
from bot.investigate.plan import make_scope
from bot.investigate.primitives.alerts import history
from bot.store import Database
from bot.store.models import Alert

NOW = datetime(2025, 9, 9, 10, 0, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return NOW


def ctx(store: object = None) -> InvestigationContext:
    topo = Topology(
        [
            ServiceNode("ingest-worker", "k8s_deployment", "ingest-worker", "etl"),
            ServiceNode("other-api", "k8s_deployment", "other-api", "etl"),
        ]
    )
    return InvestigationContext(evidence=Clock(), topology=topo, store=store)  # type: ignore[arg-type]


def add(database: Database, name: str, summary: str, ago: timedelta, **kw: str) -> None:
    with database.session() as s:
        s.add(
            Alert(
                source="alertmanager",
                fingerprint=f"{name}-{ago}",
                name=name,
                service=kw.get("service", "ingest-worker"),
                severity="critical",
                status=kw.get("status", "resolved"),
                summary=summary,
                starts_at=NOW - ago,
            )
        )


def test_a_resolved_oom_alert_gives_an_oom_hypothesis(database: Database) -> None:
    add(database, "PodOOMKilled", "Pod ingest-worker-5c6d7-abcde OOMKilled", timedelta(hours=20))
    add(
        database,
        "KubePodCrashLooping",
        "Crashing pod ingest-worker-5c6d7-abcde",
        timedelta(hours=20),
    )
    c = ctx(database)
    found = history(c, make_scope(c, ["ingest-worker"]), {})
    assert [f.attrs["signature"] for f in found] == ["oom"]
    assert found[0].type is FindingType.ALERT_SIGNATURE and "resolved" in found[0].summary
    assert [f.service for f in failing_services(found, c.topology)] == ["ingest-worker"]
    hyps = never_silent(found, [], c.topology)
    assert hyps and hyps[0].kind == "oom_killed" and hyps[0].service == "ingest-worker"
    assert any("OOMKilled" in e for e in hyps[0].evidence)


def test_alerts_of_other_services_or_too_old_are_not_evidence(database: Database) -> None:
    add(
        database,
        "PodOOMKilled",
        "Pod other-api-1 OOMKilled",
        timedelta(hours=2),
        service="other-api",
    )
    add(database, "PodOOMKilled", "Pod ingest-worker-x OOMKilled", timedelta(days=5))
    c = ctx(database)
    assert history(c, make_scope(c, ["ingest-worker"]), {}) == []


def test_the_incidents_own_alert_words_are_read_without_a_store() -> None:
    c = ctx()
    scope = make_scope(
        c,
        ["ingest-worker"],
        hints={"alert_text": {"ingest-worker": "PodOOMKilled container killed"}},
    )
    found = history(c, scope, {})
    assert [f.attrs["signature"] for f in found] == ["oom"]


def test_a_node_at_its_pod_capacity_gives_a_pending_hypothesis(database: Database) -> None:
    add(
        database,
        "KubeletTooManyPods",
        "Kubelet 'worker-3' is running at 99.1% of its Pod capacity.",
        timedelta(minutes=40),
        status="firing",
    )
    c = ctx(database)
    found = history(c, make_scope(c, ["ingest-worker"]), {})
    assert [f.attrs["signature_id"] for f in found] == ["k8s.node.too_many_pods"]
    hyps = never_silent(found, [], c.topology)
    assert hyps and hyps[0].kind == "scaling_limit" and "pod capacity" in hyps[0].summary
    assert any("99.1%" in e for e in hyps[0].evidence)
