"""``/metrics``, ``/readyz`` and request ids on the real webhook server (uvicorn + httpx)."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.incidents import service as incident_service
from bot.logs import ContextFilter, JsonFormatter, log_context
from bot.store.migrate import downgrade
from tests.integration.ingest.harness import running


def scrape(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(m: dict, name: str, **labels: str) -> float:
    return m.get((name, tuple(sorted(labels.items()))), 0.0)


def generic(name: str, service: str, status: str = "firing") -> dict:
    return {
        "version": "1",
        "alerts": [
            {"name": name, "status": status, "severity": "critical", "service": service,
             "summary": f"{name} on {service}", "labels": {"env": "prod"}}
        ],
    }  # fmt: skip


def test_metrics_count_alerts_transitions_mtta_mttr_and_incidents_by_state(
    tmp_path: Path,
) -> None:
    with running(tmp_path) as h:
        before = scrape(h.client)
        for name in ("LatencyHigh", "ErrorsHigh"):
            assert h.post("/webhooks/generic", generic(name, "svc-a"), h.bearer).status_code < 300
        after = scrape(h.client)
        firing = ("aiops_alerts_received_total", {"source": "generic", "status": "firing"})
        got = value(after, firing[0], **firing[1]) - value(before, firing[0], **firing[1])
        assert got == 2
        assert value(after, "aiops_incidents", state="triggered") == 1
        assert value(after, "aiops_incidents", state="resolved") == 0
        assert ("aiops_automation_rate", ()) not in after  # nothing resolved yet

        with h.db.session() as s:
            (inc,) = incident_service.list_incidents(session=s, limit=10)
        h.clock.advance(timedelta(seconds=120))
        h.flows.acknowledge(inc.id or 0, actor="U1")
        h.clock.advance(timedelta(seconds=480))
        h.flows.resolve(inc.id or 0, actor="U1")
        done = scrape(h.client)

    def delta(name: str) -> float:
        return value(done, name) - value(before, name)

    assert delta("aiops_incident_time_to_acknowledge_seconds_count") == 1
    assert delta("aiops_incident_time_to_acknowledge_seconds_sum") == 120
    assert delta("aiops_incident_time_to_resolve_seconds_count") == 1
    assert delta("aiops_incident_time_to_resolve_seconds_sum") == 600
    assert value(done, "aiops_incidents", state="resolved") == 1
    # resolved without a verified remediation: the automation rate is exported and zero
    assert ("aiops_automation_rate", ()) in done and value(done, "aiops_automation_rate") == 0
    assert value(done, "aiops_incidents", state="triggered") == 0
    # the webhook requests themselves, by path family
    key = ("aiops_http_requests_total", {"path": "/webhooks/generic", "code": "2xx"})
    assert value(done, key[0], **key[1]) - value(before, key[0], **key[1]) == 2


def test_readyz_is_ready_on_a_current_schema_and_503_when_the_schema_is_behind(
    tmp_path: Path,
) -> None:
    with running(tmp_path) as h:
        ok = h.client.get("/readyz")
        assert ok.status_code == 200
        assert ok.json() == {"ready": True, "checks": {"database": "ok", "schema": "current"}}
        downgrade(h.db.engine, "base")
        behind = h.client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["ready"] is False
        assert behind.json()["checks"]["schema"].startswith("at None")


def test_request_ids_are_echoed_or_made_and_unknown_paths_do_not_grow_labels(
    tmp_path: Path,
) -> None:
    with running(tmp_path) as h:
        given = h.client.get("/healthz", headers={"X-Request-Id": "req-abc-123"})
        assert given.headers["x-request-id"] == "req-abc-123"
        made = h.client.get("/healthz").headers["x-request-id"]
        assert len(made) == 16 and made != h.client.get("/healthz").headers["x-request-id"]
        for i in range(5):
            assert h.client.get(f"/random-{i}").status_code == 404
        paths = {dict(k[1]).get("path") for k in scrape(h.client) if k[0].startswith("aiops_http")}
    assert not any(p and p.startswith("/random") for p in paths)
    assert "other" in paths


def test_json_log_lines_carry_the_bound_request_and_incident_ids() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("aiops.test.ids")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with log_context(request_id="r1"):
            with log_context(incident_id=42):
                logger.info("inside both")
            logger.info("only the request")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert (lines[0]["request_id"], lines[0]["incident_id"]) == ("r1", 42)
    assert lines[1]["request_id"] == "r1" and "incident_id" not in lines[1]
    assert "request_id" not in lines[2]


def test_a_replay_through_the_webhooks_shows_up_in_the_alert_counters(
    scenarios_dir: Path,
) -> None:
    from collections import Counter

    from bot.observability import render
    from handlers.replay.runner import replay
    from sandbox.scenario import load_scenario

    scenario = load_scenario(sorted(scenarios_dir.glob("*.yaml"))[0]).scenario

    def alerts_by_source() -> Counter[str]:
        out: Counter[str] = Counter()
        for family in text_string_to_metric_families(render()[0].decode()):
            for s in family.samples:
                if s.name == "aiops_alerts_received_total":
                    out[s.labels["source"]] += int(s.value)
        return out

    before = alerts_by_source()
    result = replay(scenario)
    gained = alerts_by_source() - before
    assert result["incidents"], "the replay opened no incident"
    # every scenario alert was received once, under the source its wire format maps to
    assert sum(gained.values()) == len(scenario.alerts)
    wire_to_source = {"cloudwatch_sns": "cloudwatch"}
    expected = Counter(wire_to_source.get(a.format, a.format) for a in scenario.alerts)
    assert gained == expected
