"""One significant line among very many routine ones is surfaced, whatever its level, and the
failing service gets a hypothesis from it; a rare line that says nothing failed, or a small log,
is not a needle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.fallback import failing_services
from bot.investigate.models import FindingType
from bot.investigate.primitives.logs import signature_findings
from bot.investigate.rare_lines import failure_words, rare_failures
from bot.investigate.sources import LogRecord
from bot.logmine.models import Template

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SOURCE = "k8s:ns-q/relay-6b7c8d9f5-abcde/relay"


class Clock:
    def now(self) -> datetime:
        return NOW


def ctx() -> InvestigationContext:
    topo = Topology([ServiceNode("relay", "k8s_deployment", "relay", "ns-q")])
    return InvestigationContext(evidence=Clock(), topology=topo)  # type: ignore[arg-type]


def haystack(needle: str, routine: int = 4000) -> list[LogRecord]:
    start = NOW - timedelta(minutes=30)
    lines = [
        LogRecord(start + timedelta(milliseconds=i), "INFO", f"heartbeat ok seq {i}", SOURCE)
        for i in range(routine)
    ]
    lines.insert(routine // 2, LogRecord(start + timedelta(minutes=5), "INFO", needle, SOURCE))
    return lines


def test_failure_words_come_from_the_symptom_vocabulary() -> None:
    assert "down" in failure_words("Upstream link down")
    assert failure_words("heartbeat ok seq 12") == []


def test_a_rare_failure_line_in_a_huge_log_is_a_finding_at_any_level() -> None:
    found = signature_findings(ctx(), "relay", SOURCE, haystack("Uplink to shard-b down"))
    rare = [f for f in found if f.attrs.get("rare")]
    assert len(rare) == 1 and rare[0].type is FindingType.LOG_TEMPLATE
    assert "Uplink" in str(rare[0].attrs["example"]) and rare[0].attrs["level"] == "INFO"
    assert rare[0].attrs["failure_words"] == "down"


def test_the_rare_line_makes_the_service_failing() -> None:
    c = ctx()
    found = signature_findings(c, "relay", SOURCE, haystack("Uplink to shard-b down"))
    failing = failing_services(found, c.topology)
    assert [f.service for f in failing] == ["relay"]
    assert "erroring" in failing[0].labels


def test_a_rare_routine_line_or_a_small_log_is_no_needle() -> None:
    calm = signature_findings(ctx(), "relay", SOURCE, haystack("config loaded from disk"))
    assert not [f for f in calm if f.attrs.get("rare")]
    small = signature_findings(ctx(), "relay", SOURCE, haystack("Uplink down", routine=50))
    assert not [f for f in small if f.attrs.get("rare")]


def test_a_frequent_failure_template_is_not_rare() -> None:
    many = [Template("peer down", count=500, examples=["peer down"])]
    many.append(Template("heartbeat ok <*>", count=5000, examples=["heartbeat ok 1"]))
    assert rare_failures(many) == {}
