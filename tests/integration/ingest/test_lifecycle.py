"""Incident lifecycle, timeline, merge/split and restart on SQLite and Postgres; the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.changes.models import ChangeIn
from bot.clock import SandboxClock
from bot.errors import Conflict
from bot.incidents import service
from bot.incidents.changes import record_change
from bot.incidents.flows import IncidentFlows
from bot.incidents.grouping import group_alerts
from bot.incidents.ports import RecordingPublisher
from bot.store import Database
from tests.integration.ingest.alerts import T0, TOPO, alert


def test_lifecycle_timeline_and_change_scores(database: Database) -> None:
    clock = SandboxClock(T0)
    pub = RecordingPublisher()
    flows = IncidentFlows(database, clock=clock, topology=TOPO, publisher=pub)
    record_change(
        flows,
        ChangeIn(
            source="github",
            external_id="d1",
            kind="deployment",
            at=T0 - timedelta(minutes=10),
            service="db",
            version="v9",
        ),
    )
    record_change(
        flows,
        ChangeIn(
            source="github",
            external_id="d2",
            kind="deployment",
            at=T0 - timedelta(minutes=5),
            service="other",
        ),
    )
    burst = [alert(f"E{i}", "web") for i in range(30)] + [alert("DbDown", "db")]
    out = group_alerts(flows, burst)
    inc = out[0].incident_id
    assert inc is not None and {o.incident_id for o in out} == {inc}
    clock.advance(timedelta(minutes=4))
    group_alerts(flows, [alert(f"L{i}", "api") for i in range(30)])
    assert len(pub.of(inc, "thread")) == 1  # a burst of 30 is one thread message
    assert len(pub.of(inc, "publish")) == 1
    v = flows.view(inc)
    assert v.root_alert is not None and v.root_alert.name == "DbDown"
    assert [c.service for c in v.changes] == ["db"] and v.changes[0].score > 0.5
    clock.advance(timedelta(minutes=3))
    flows.acknowledge(inc, actor="ann")
    with pytest.raises(Conflict):
        flows.acknowledge(inc, actor="bob")
    flows.investigate(inc, actor="ann")
    flows.mitigate(inc, actor="ann")
    clock.advance(timedelta(minutes=10))
    v = flows.resolve(inc, actor="ann", note="restarted db")
    assert v.mtta == timedelta(minutes=7) and v.mttr == timedelta(minutes=17)
    with pytest.raises(Conflict):
        flows.investigate(inc, actor="ann")
    with database.session() as s:
        kinds = [line.kind for line in service.timeline(session=s, incident_id=inc)]
    assert kinds.count("alert") == 61 and kinds.count("status") == 4
    # a resolved incident takes no more alerts: the same fingerprint firing again opens a new one
    again = group_alerts(flows, [alert("DbDown", "db", "resolved"), alert("DbDown", "db")])
    assert again[1].incident_id not in (None, inc)


def test_merge_split_and_restart(database: Database) -> None:
    clock = SandboxClock(T0)
    flows = IncidentFlows(database, clock=clock, topology=TOPO)
    a = group_alerts(flows, [alert("ApiSlow", "api")])[0]
    b = group_alerts(flows, [alert("OtherDown", "other")])[0]
    assert a.incident_id != b.incident_id
    assert a.incident_id is not None and b.incident_id is not None
    merged = flows.merge(a.incident_id, b.incident_id, actor="ann")
    assert merged.alert_count == 2
    assert flows.view(b.incident_id).status == "resolved"
    fresh = flows.split(a.incident_id, [b.alert_id], actor="ann")
    assert fresh.alert_count == 1 and flows.view(a.incident_id).alert_count == 1
    # restart: a new process rebuilds grouping state from the database
    again = IncidentFlows(database, clock=clock, topology=TOPO)
    c = group_alerts(again, [alert("DbDown", "db")])[0]
    assert c.incident_id == a.incident_id  # db is upstream of api
    d = group_alerts(again, [alert("OtherAgain", "other")])[0]
    assert d.incident_id == fresh.id


def test_cli_incident_commands(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.config import get_settings
    from bot.store import connect
    from handlers.cli.main import app

    db = connect(sqlite_url)
    flows = IncidentFlows(db, clock=SandboxClock(T0), topology=TOPO)
    inc = group_alerts(flows, [alert("ApiDown", "api")])[0].incident_id
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("AIOPS_CONFIG", str(tmp_path / "none.toml"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(app, ["incident", "list"])
        assert listed.exit_code == 0 and "api: ApiDown" in listed.output
        acked = runner.invoke(app, ["incident", "ack", str(inc), "--actor", "zoe"])
        assert acked.exit_code == 0 and "acknowledged" in acked.output
        shown = runner.invoke(app, ["incident", "show", str(inc)])
        assert "MTTA" in shown.output and "zoe" in shown.output
        tl = runner.invoke(app, ["incident", "timeline", str(inc)])
        assert "triggered → acknowledged by zoe" in tl.output
        missing = runner.invoke(app, ["incident", "show", "9999"])
        assert missing.exit_code != 0
    finally:
        get_settings.cache_clear()
        db.dispose()


def test_assign_and_open_count_through_flows(database: Database) -> None:
    flows = IncidentFlows(database, clock=SandboxClock(T0), topology=TOPO)
    assert flows.open_count == 0
    out = flows.group_alerts([alert("ApiDown", "api"), alert("OtherDown", "other")])
    assert flows.open_count == 2
    inc = out[0].incident_id
    assert inc is not None
    view = flows.assign(inc, assignee="U1", actor="U2")
    assert view.id == inc
    with database.session() as s:
        row = service.get(session=s, incident_id=inc)
        assert row.assignee == "U1"
        lines = service.timeline(session=s, incident_id=inc)
    assert any(t.kind == "assign" and t.actor == "U2" for t in lines)
    with pytest.raises(Conflict):
        flows.assign(inc, assignee="U1", actor="U2")  # already theirs
    flows.resolve(inc, actor="U1")
    assert flows.open_count == 1
    with pytest.raises(Conflict):
        flows.assign(inc, assignee="U3", actor="U2")  # resolved
