"""Slowness seen only in the lines that time requests (issue 15 pt 1) and where the time goes
(pt 3): durations in structured fields and key=value text, one path slow among fast ones, the
slow service the others wait on. Made-up services and lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import ConfigError
from bot.investigate.classify import AlertView
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import from_alerts, never_silent
from bot.investigate.log_latency import LogLatency, duration, read_latency
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning_data import load
from bot.investigate.slow_path import apply, where_time_goes
from bot.investigate.sources import LogRecord

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def record(text: str, i: int = 0) -> LogRecord:
    return LogRecord(T0 + timedelta(seconds=i), "INFO", text, "k8s:shop/x/x")


def pino(host: str, ms: float) -> str:
    return (
        f'{{"level":30,"pid":1,"hostname":"{host}-7d9f8c6b5-q2w4e","res":{{"statusCode":200}},'
        f'"responseTime":{ms},"msg":"request completed"}}'
    )


@pytest.mark.parametrize(
    ("line", "seconds", "field"),
    [
        (pino("ledger", 3644.6), 3.6446, "responseTime"),
        ('{"time":"09:00:00","request_time":"0.512","status":200}', 0.512, "request_time"),
        ("GET /cart 200 latency=2.20s bytes=512", 2.2, "latency"),
        ("handled /quote in handler, took 350ms", 0.35, "took"),
        ("duration: 1.5", 1.5, "duration"),
    ],
)
def test_a_line_that_times_its_request(line: str, seconds: float, field: str) -> None:
    found = duration(line)
    assert found is not None
    assert found[0] == pytest.approx(seconds) and found[1] == field


@pytest.mark.parametrize(
    "line",
    ["retry took 3 attempts", '{"msg":"request completed","status":200}', "latency ok"],
)
def test_a_line_that_times_nothing(line: str) -> None:
    assert duration(line) is None


def test_slow_requests_in_a_structured_log() -> None:
    lines = [record(pino("ledger", 3500 + 10 * i), i) for i in range(20)]
    read = read_latency(lines)
    assert read is not None and read.slow and read.path is None
    assert read.p50_s == pytest.approx(3.595, abs=0.01)
    fast = read_latency([record(pino("ledger", 40 + i), i) for i in range(20)])
    assert fast is not None and not fast.slow


def test_one_path_slow_the_others_fast_is_named_through_the_request_id() -> None:
    lines: list[LogRecord] = []
    for n in range(30):
        coupon = n % 3 == 0
        said = "with" if coupon else "no"
        lines.append(record(f"[LOADGEN] call #{n}: POST /basket {said} voucher", n))
        took = 2.4 + n / 100 if coupon else 0.12
        lines.append(record(f"[LOADGEN] call #{n}: status=200, latency={took:.2f}s", n))
    read = read_latency(lines)
    assert read is not None and read.slow
    assert read.path is not None and "with voucher" in read.path
    assert read.path_count == 10 and read.path_p50_s is not None and read.path_p50_s > 2
    assert read.other_p50_s == pytest.approx(0.12)
    assert read.p50_s < 1  # the median alone would call it fast


def test_a_unit_the_rules_do_not_know_is_a_load_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.yaml").write_text(
        "json_fields: {took: fortnights}\ntext_keys: [took]\ntext_default_unit: s\n"
        "slow_seconds: 1\nmin_lines: 5\nsplit_ratio: 4\nsplit_seconds: 0.4\nmin_path: 3\n"
    )
    with pytest.raises(ConfigError, match="fortnights"):
        load(LogLatency, "bad.yaml", tmp_path)


# ---- where the time goes ---------------------------------------------------------------


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("storefront", "k8s_deployment", "storefront", "s", depends_on=("basket",)),
            ServiceNode("basket", "k8s_deployment", "basket", "s", depends_on=("ledger",)),
            ServiceNode("ledger", "k8s_deployment", "ledger", "s"),
            ServiceNode("loadgen", "k8s_deployment", "loadgen", "s", depends_on=("quotes",)),
            ServiceNode("quotes", "k8s_deployment", "quotes", "s"),
            ServiceNode("reports", "k8s_deployment", "reports", "s", depends_on=("pg",)),
            ServiceNode("pg", "k8s_deployment", "pg", "s", tier="data"),
        ]
    )


def timed(service: str, p50: float, *, path: str | None = None) -> Finding:
    return Finding(
        type=FindingType.REQUEST_LATENCY,
        service=service,
        summary=f"{service}: 90 request(s) timed in its lines (responseTime): median {p50} s",
        source="logs",
        attrs={"count": 90, "p50_s": p50, "slow": p50 >= 1 or path is not None, "path": path},
    )


def test_the_slow_service_the_others_wait_on_is_where_the_time_goes() -> None:
    facts = [timed("storefront", 7.3), timed("basket", 4.9), timed("ledger", 3.9)]
    added = apply([], facts, topo())
    assert [(h.kind, h.service) for h in added] == [("slow_queries", "ledger")]
    # never silent adds nothing more: the callers wait on it
    assert never_silent(facts, added, topo()) == []


def test_a_client_times_the_one_service_it_calls() -> None:
    facts = [timed("loadgen", 0.2, path="call #N: POST /quote with voucher")]
    (hyp,) = apply([], facts, topo())
    assert (hyp.kind, hyp.service) == ("slow_queries", "quotes")
    assert "with voucher" in hyp.summary and hyp.confidence == 0.55


def test_a_dependency_timed_as_fast_stops_the_walk() -> None:
    facts = [timed("basket", 4.0), timed("ledger", 0.05)]
    assert where_time_goes("basket", topo(), facts) is None
    assert apply([], facts, topo()) == []
    (hyp,) = never_silent(facts, [], topo())
    assert hyp.service == "basket" and "cause not identified" in hyp.summary


def test_an_alert_alone_says_slow_over_one_datastore() -> None:
    alert = AlertView("Question", "reports", "reports is very slow for customers")
    (hyp,) = from_alerts([alert], alert, topo())
    assert (hyp.kind, hyp.service) == ("slow_queries", "pg")
    assert hyp.confidence <= 0.35


# ---- one value of a latency metric's dimension slow, the others fast ---------------------


def test_a_latency_metric_split_by_one_dimension_names_the_slow_value() -> None:
    from bot.investigate.primitives.metrics import split_by_dimension
    from bot.investigate.sources import MetricRef, SeriesData

    def series(voucher: str, value: float) -> tuple[tuple[MetricRef, str, str], SeriesData]:
        ref = MetricRef(
            "Prometheus",
            "http_request_duration_seconds",
            {"route": "/basket", "voucher": voucher},
            stat="p95",
            unit="Seconds",
            service="basket",
        )
        return (ref, "basket", "latency"), SeriesData(ref, [T0] * 12, [value] * 12)

    split = [series("spring", 0.71), series("none", 0.05)]
    (found,) = split_by_dimension([p for p, _ in split], [s for _, s in split])
    assert found.type == FindingType.REQUEST_LATENCY and found.attrs["slow"] is True
    assert found.attrs["path"] == "voucher=spring" and found.attrs["other_p50_s"] == 0.05
    alike = [series("spring", 0.06), series("none", 0.05)]
    assert split_by_dimension([p for p, _ in alike], [s for _, s in alike]) == []
