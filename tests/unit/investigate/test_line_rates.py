"""Consumer lag seen only in line rates (issue 15 pt 1): on a shared queue, a consumer printing
its per-message line far slower than the producer falls behind, and the one other service each
message waits on is named; rates alike are no lag. Made-up services and lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import never_silent
from bot.investigate.line_rates import behind, message_rate
from bot.investigate.models import Finding, FindingType
from bot.investigate.sources import LogRecord

T0 = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("bus", "k8s_statefulset", "bus", "q", tier="queue"),
            ServiceNode("till", "k8s_deployment", "till", "q", depends_on=("bus",)),
            ServiceNode("receipts", "k8s_deployment", "receipts", "q", depends_on=("bus", "smtp")),
            ServiceNode("smtp", "k8s_deployment", "smtp", "q", tier="infra"),
        ]
    )


def every(text: str, seconds: float, n: int) -> list[LogRecord]:
    return [
        LogRecord(T0 + timedelta(seconds=seconds * i), "INFO", text.format(i=i), "k8s:q/x/x")
        for i in range(n)
    ]


PRODUCED = every("Queued sale 9f{i}a2... to partition:0", 0.1, 100)
SLOW = every("Mailing receipt to buyer{i}@shop.example...", 1.3, 60)


def test_the_per_message_line_rate() -> None:
    rate = message_rate(PRODUCED)
    assert rate is not None and rate.lines == 100 and 9 < rate.per_second < 11


def test_a_consumer_far_slower_than_its_producer_falls_behind() -> None:
    (lag,) = behind({"till": PRODUCED, "receipts": SLOW}, topo())
    assert (lag.queue, lag.consumer, lag.producer) == ("bus", "receipts", "till")
    assert lag.ratio > 10
    alike = every("Mailing receipt to buyer{i}@shop.example...", 0.12, 80)
    assert behind({"till": PRODUCED, "receipts": alike}, topo()) == []


def test_the_one_service_each_message_waits_on_is_named() -> None:
    lag = Finding(
        type=FindingType.LINE_RATE,
        service="receipts",
        summary="receipts: falls behind on bus",
        source="logs",
        attrs={"queue": "bus", "producer": "till", "behind": True, "mentions": "smtp"},
    )
    top = max(never_silent([lag], [], topo()), key=lambda h: h.confidence)
    assert (top.kind, top.service) == ("dependency_failure", "smtp")
    assert "falls behind" in top.summary
