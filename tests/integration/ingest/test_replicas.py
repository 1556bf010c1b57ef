"""Two replicas on one database (two ``IncidentFlows``, each with its own correlator and engine)
agree on grouping: the database serialises their batches and each catches up on the other's."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.clock import SandboxClock
from bot.incidents.flows import IncidentFlows
from bot.incidents.grouping import group_alerts
from bot.ingest.pipeline import IngestPipeline
from bot.store import Database, connect
from bot.store.models import Alert, Incident
from tests.integration.ingest.alerts import T0, TOPO, alert


@pytest.fixture
def dbs(db_url: str) -> Iterator[tuple[Database, Database]]:
    a, b = connect(db_url), connect(db_url)
    yield a, b
    a.dispose()
    b.dispose()


def replicas(dbs: tuple[Database, Database]) -> tuple[IncidentFlows, IncidentFlows]:
    clock = SandboxClock(T0)
    return tuple(IncidentFlows(db, clock=clock, topology=TOPO) for db in dbs)  # type: ignore[return-value]


def incident_ids(db: Database) -> list[int]:
    with db.session() as s:
        return sorted(i for i in s.exec(select(Incident.id)) if i is not None)


def test_alternating_alerts_topology_and_resolve(dbs: tuple[Database, Database]) -> None:
    a, b = replicas(dbs)
    out = []
    for i in range(6):
        flows = (a, b)[i % 2]
        out += group_alerts(flows, [alert(f"Web{i}", "web")])
    inc = out[0].incident_id
    assert inc is not None and {o.incident_id for o in out} == {inc}
    assert incident_ids(a.db) == [inc]

    # a dependency's alert on the replica that did not see the last batch joins the incident
    last = (a, b)[6 % 2]
    (joined,) = group_alerts(last, [alert("DbDown", "db")])
    assert joined.incident_id == inc and not joined.created_incident
    view = b.view(inc)
    assert view.root_alert is not None and view.root_alert.name == "DbDown"

    # resolved on A: B's next alert of the same service opens a new incident
    a.resolve(inc, actor="ann")
    (fresh,) = group_alerts(b, [alert("WebLate", "web")])
    assert fresh.incident_id not in (None, inc) and fresh.created_incident
    (again,) = group_alerts(a, [alert("WebLater", "web")])
    assert again.incident_id == fresh.incident_id
    assert len(incident_ids(a.db)) == 2


def test_catch_up_is_empty_after_own_batch(dbs: tuple[Database, Database]) -> None:
    a, b = replicas(dbs)
    group_alerts(a, [alert("E1", "api"), alert("E2", "other")])
    with a.db.engine.connect() as conn:
        assert a.catch_up(conn) == 0  # its own events: nothing to reload
    with b.db.engine.connect() as conn:
        assert b.catch_up(conn) == 2  # the two incidents A opened
        assert b.catch_up(conn) == 0
    (more,) = group_alerts(a, [alert("E3", "api")])
    a.comment(more.incident_id or 0, actor="ann", text="looking")  # changes no grouping
    with b.db.engine.connect() as conn:
        assert b.catch_up(conn) == 1  # the new alert is added to the group B already holds
    key = b.correlator.group_of(more.alert_id)
    assert key is not None and b.group_ids[key] == more.incident_id
    assert len(b.correlator.view(key).alerts) == 2


def test_merge_on_one_replica_is_seen_by_the_other(dbs: tuple[Database, Database]) -> None:
    a, b = replicas(dbs)
    (x,) = group_alerts(a, [alert("Api", "api")])
    (y,) = group_alerts(b, [alert("Other", "other")])
    assert x.incident_id and y.incident_id and x.incident_id != y.incident_id
    a.merge(x.incident_id, y.incident_id, actor="ann")
    # B placed "other" itself; after the merge its next "other" alert goes to the merged incident
    (z,) = group_alerts(b, [alert("Other2", "other")])
    assert z.incident_id == x.incident_id


def test_concurrent_pipelines_open_one_incident_per_service(
    dbs: tuple[Database, Database],
) -> None:
    a, b = replicas(dbs)
    pipes = [IngestPipeline(a, max_batch=8), IngestPipeline(b, max_batch=8)]
    services = [f"svc-{i}" for i in range(12)]
    errors: list[BaseException] = []

    def send(worker: int) -> None:
        try:
            for n in range(24):
                i = worker * 24 + n
                pipes[i % 2].submit([alert(f"A{i % 3}", services[i % len(services)])])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for p in pipes:
        p.stop()
    assert not errors
    with a.db.session() as s:
        rows = list(s.exec(select(Alert.service, Alert.incident_id)))
    by_service: dict[str, set[int | None]] = {}
    for service, incident in rows:
        by_service.setdefault(service or "", set()).add(incident)
    assert len(by_service) == len(services)
    assert all(len(ids) == 1 and None not in ids for ids in by_service.values())
    assert len(incident_ids(a.db)) == len(services)
