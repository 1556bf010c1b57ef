"""The Loki backend against the local Loki sandbox, over real HTTP with LogQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from integrations.logs import LogQuery, LogRouter, LogSourceUnavailable, LokiLogs
from sandbox.loki import LokiSandbox, start_loki_sandbox
from tests.conftest import example_scenarios

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SYNTHETIC: list[dict[str, Any]] = [
    {
        "source": "file:web-1:/var/log/app.log",
        "lines": [
            {"at": "-50m", "level": "INFO", "text": "boot ok"},
            {"at": "-40m", "level": "WARN", "text": "Disk at 91%", "repeat": 5, "every": "1m"},
            {"at": "-30m", "level": "ERROR", "text": "write failed: No space left on device"},
            {"at": "+5m", "level": "ERROR", "text": "from the future"},
        ],
    },
    {
        "source": "file:web-2:/var/log/app.log",
        "lines": [{"at": "-10m", "level": "INFO", "text": "other host"}],
    },
    {"source": 'loki:{job="batch", env="prod"}', "lines": [{"at": "-5m", "text": "batch done"}]},
]


@pytest.fixture(scope="module")
def loki() -> Iterator[tuple[LokiSandbox, LokiLogs, httpx.Client]]:
    sandbox = start_loki_sandbox(SYNTHETIC, NOW)
    http = httpx.Client(base_url=sandbox.url, timeout=5)
    yield sandbox, LokiLogs(http), http
    http.close()
    sandbox.stop()


def test_file_source_returns_its_lines_in_order(loki: Any) -> None:
    _, logs, _ = loki
    lines = logs.fetch(
        LogQuery("file:web-1:/var/log/app.log", start=NOW - timedelta(hours=2), end=NOW)
    )
    assert [line.text for line in lines] == ["boot ok"] + ["Disk at 91%"] * 5 + [
        "write failed: No space left on device"
    ]
    assert [line.level for line in lines][:2] == ["INFO", "WARN"]
    assert lines[1].timestamp == NOW - timedelta(minutes=40)
    assert lines[2].timestamp == NOW - timedelta(minutes=39)
    assert all(line.source == "file:web-1:/var/log/app.log" for line in lines)


def test_contains_filter_and_ignore_case(loki: Any) -> None:
    _, logs, _ = loki
    window = LogQuery("file:web-1:/var/log/app.log", start=NOW - timedelta(hours=2), end=NOW)
    hits = logs.fetch(replace(window, contains="No space"))
    assert [line.text for line in hits] == ["write failed: No space left on device"]
    assert logs.fetch(replace(window, contains="no space")) == []
    folded = logs.fetch(replace(window, contains="no SPACE", ignore_case=True))
    assert len(folded) == 1
    tricky = logs.fetch(replace(window, contains='91%"'))
    assert tricky == []


def test_limit_keeps_newest_and_range_bounds(loki: Any) -> None:
    _, logs, _ = loki
    newest = logs.fetch(
        LogQuery("file:web-1:/var/log/app.log", start=NOW - timedelta(hours=2), end=NOW, limit=2)
    )
    assert [line.timestamp for line in newest] == [
        NOW - timedelta(minutes=36),
        NOW - timedelta(minutes=30),
    ]
    window = logs.fetch(
        LogQuery(
            "file:web-1:/var/log/app.log",
            start=NOW - timedelta(minutes=39),
            end=NOW - timedelta(minutes=37),
        )
    )
    assert [line.timestamp for line in window] == [NOW - timedelta(minutes=m) for m in (39, 38, 37)]


def test_default_range_is_the_last_hour_and_future_lines_are_hidden(loki: Any) -> None:
    _, logs, _ = loki
    lines = logs.fetch(LogQuery("file:web-1:/var/log/app.log"))
    assert "from the future" not in {line.text for line in lines}
    assert len(lines) == 7


def test_loki_selector_source_and_labels(loki: Any) -> None:
    sandbox, logs, http = loki
    got = logs.fetch(LogQuery('loki:{job="batch"}', start=NOW - timedelta(hours=1), end=NOW))
    assert [line.text for line in got] == ["batch done"]
    assert {"host", "filename", "job", "env"} <= set(http.get("/loki/api/v1/labels").json()["data"])
    assert http.get("/loki/api/v1/label/host/values").json()["data"] == ["web-1", "web-2"]
    assert http.get("/ready").text.strip() == "ready"
    router = LogRouter(loki=logs)
    assert router.fetch(LogQuery("file:web-2:/var/log/app.log", end=NOW))[0].text == "other host"


def test_raw_logql_wire_format_and_filters(loki: Any) -> None:
    _, _, http = loki
    params = {
        "query": '{filename="/var/log/app.log"} |~ "Disk|write" != "write"',
        "start": str(int((NOW - timedelta(hours=1)).timestamp() * 1e9)),
        "end": str(int(NOW.timestamp() * 1e9)),
        "limit": "3",
        "direction": "forward",
    }
    body = http.get("/loki/api/v1/query_range", params=params).json()
    assert body["status"] == "success" and body["data"]["resultType"] == "streams"
    (stream,) = body["data"]["result"]
    assert stream["stream"]["host"] == "web-1"
    assert len(stream["values"]) == 3
    first_ns, first_line = stream["values"][0]
    assert int(first_ns) == int((NOW - timedelta(minutes=40)).timestamp()) * 1_000_000_000
    assert "Disk at 91%" in first_line
    regex_labels = {"query": '{host=~"web-.*", host!="web-1"}', "end": params["end"]}
    (only,) = http.get("/loki/api/v1/query_range", params=regex_labels).json()["data"]["result"]
    assert only["stream"]["host"] == "web-2"


@pytest.mark.parametrize("query", ["", "{}", '{host="x"', 'host="x"', '{host="x"} | json'])
def test_bad_queries_are_400(loki: Any, query: str) -> None:
    _, _, http = loki
    response = http.get("/loki/api/v1/query_range", params={"query": query})
    assert response.status_code == 400
    assert response.text


def test_backend_reports_refused_query(loki: Any) -> None:
    _, logs, _ = loki
    with pytest.raises(LogSourceUnavailable):
        logs.fetch(LogQuery('loki:{host=~"("}'))


def _file_scenarios() -> list[Any]:
    out = []
    for path in example_scenarios():
        scenario = yaml.safe_load(path.read_text())
        if any(s["source"].startswith("file:") for s in scenario.get("logs") or []):
            out.append(pytest.param(path, id=path.stem))
    assert out, "no example scenario reads a file: log source"
    return out


@pytest.mark.parametrize("path", _file_scenarios())
def test_example_file_sources_come_back(path: Path) -> None:
    scenario = yaml.safe_load(path.read_text())
    now = datetime.fromisoformat(scenario["now"].replace("Z", "+00:00"))
    with (
        start_loki_sandbox(scenario["logs"], now) as sandbox,
        httpx.Client(base_url=sandbox.url) as http,
    ):
        logs = LokiLogs(http)
        for source in scenario["logs"]:
            if not source["source"].startswith("file:"):
                continue
            got = logs.fetch(
                LogQuery(source["source"], start=now - timedelta(days=30), end=now, limit=5000)
            )
            texts = {line.text for line in got}
            expected = sum(
                int(line.get("repeat", 1)) for line in source["lines"]
            )  # scenario lines are all in the past
            assert len(got) == expected
            assert texts == {line["text"] for line in source["lines"]}
            word = source["lines"][-1]["text"].split()[0]
            filtered = logs.fetch(
                LogQuery(
                    source["source"],
                    start=now - timedelta(days=30),
                    end=now,
                    contains=word,
                    limit=5000,
                )
            )
            assert filtered and all(word in line.text for line in filtered)


def test_moving_the_clock_reveals_later_lines_and_bad_logs_are_user_errors() -> None:
    from bot.errors import UserError

    with start_loki_sandbox(SYNTHETIC, NOW) as sandbox, httpx.Client(base_url=sandbox.url) as http:
        logs = LokiLogs(http)
        source = "file:web-1:/var/log/app.log"
        assert "from the future" not in {x.text for x in logs.fetch(LogQuery(source))}
        sandbox.set_now(NOW + timedelta(minutes=10))
        assert logs.fetch(LogQuery(source))[-1].text == "from the future"
    with pytest.raises(UserError, match="negative"):
        start_loki_sandbox(
            [{"source": "file:h:/x", "lines": [{"at": "0", "repeat": 2, "every": "-1m"}]}], NOW
        )


def test_a_pod_source_reads_what_promtail_shipped_for_that_pod() -> None:
    shipped = [
        {
            "source": "k8s:jobs/exporter-5d8-abc12/main",
            "lines": [{"at": "-2d", "level": "ERROR", "text": "java.lang.OutOfMemoryError"}],
        },
        {"source": "k8s:jobs/exporter-5d8-zzz99/main", "lines": [{"at": "-1m", "text": "other"}]},
    ]
    sandbox = start_loki_sandbox(shipped, NOW)
    try:
        with httpx.Client(base_url=sandbox.url, timeout=5) as http:
            router = LogRouter(loki=LokiLogs(http))
            source = "k8s:jobs/exporter-5d8-abc12/main"
            backend = router.shipped_backend(source)
            assert backend is not None
            lines = backend.fetch(LogQuery(source, start=NOW - timedelta(days=3), end=NOW))
    finally:
        sandbox.stop()
    assert [(ln.level, ln.text) for ln in lines] == [("ERROR", "java.lang.OutOfMemoryError")]
    assert LogRouter().shipped_backend(source) is None


def test_the_pods_that_shipped_from_a_namespace_are_listed_replaced_ones_too() -> None:
    shipped = [
        {"source": "k8s:jobs/exporter-5d8-abc12/main", "lines": [{"at": "-2d", "text": "old"}]},
        {"source": "k8s:jobs/exporter-5d8-zzz99/main", "lines": [{"at": "-1m", "text": "new"}]},
        {"source": "k8s:jobs/ancient-1/main", "lines": [{"at": "-30d", "text": "long gone"}]},
        {"source": "k8s:web/front-1/nginx", "lines": [{"at": "-1m", "text": "other ns"}]},
        {"source": "file:web-1:/var/log/app.log", "lines": [{"at": "-1m", "text": "a file"}]},
    ]
    sandbox = start_loki_sandbox(shipped, NOW)
    try:
        with httpx.Client(base_url=sandbox.url, timeout=5) as http:
            router = LogRouter(loki=LokiLogs(http))
            found = router.shipped_pod_sources(["jobs"], NOW - timedelta(days=3), NOW)
            both = router.shipped_pod_sources(["jobs", "web"], NOW - timedelta(days=3), NOW)
    finally:
        sandbox.stop()
    assert found == ["k8s:jobs/exporter-5d8-abc12/main", "k8s:jobs/exporter-5d8-zzz99/main"]
    assert "k8s:web/front-1/nginx" in both and len(both) == 3
    assert LogRouter().shipped_pod_sources(["jobs"], NOW - timedelta(days=3), NOW) == []


def test_an_unreachable_loki_cannot_list_pods() -> None:
    http = httpx.Client(base_url="http://127.0.0.1:9", timeout=1)
    with http, pytest.raises(LogSourceUnavailable, match="unreachable"):
        LokiLogs(http).pod_sources(["jobs"], NOW - timedelta(days=1), NOW)
