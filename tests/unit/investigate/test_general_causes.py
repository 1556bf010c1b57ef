"""General mechanisms behind the third-party misses, each on a synthetic case written here: who
emits a throttle, what a change kind can cause, a config reload as change evidence, and the
dependencies of a failing service read one hop down. Lines go through the shipped signature
catalogue, the rules are the shipped YAML."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from bot.investigate.signatures import match_line
from tests.unit.investigate.test_reasoning import finding


def signed(service: str, line: str, ago: float, level: str = "ERROR", count: int = 60) -> Finding:
    """A mined log template the way ``logs.mine`` builds it: the catalogue's match on its line."""
    hit = match_line(line)
    attrs: dict[str, Any] = {
        "signature": None,
        "count": count,
        "level": level,
        "first_seen_min_ago": ago,
        "template": line,
        "example": line,
        "mentions": None,
    }
    if hit is not None:
        attrs.update(hit.finding_attrs())
    kind = FindingType.LOG_SIGNATURE if hit is not None else FindingType.LOG_TEMPLATE
    return finding(kind, service, f'{service}: {count} line(s) like "{line}"', ago, **attrs)


def _deployment(name: str) -> Finding:
    return finding(
        FindingType.RESOURCE_STATE,
        name,
        f"{name}: deployment shop/{name} wants 2 replica(s)",
        resource="k8s_deployment",
        state="configured",
        healthy=True,
        replicas=2,
        suggested=4,
    )


# ---- who emits the throttle ---------------------------------------------------------------------

GATEWAY = Topology([ServiceNode("quotes-gw", "k8s_deployment", "quotes-gw", "shop")])


def test_a_service_answering_its_clients_429_is_a_load_above_its_limit_not_throttling() -> None:
    own = (
        '10.9.0.7 - - [01/Jul/2025:11:45:02 +0000] "POST /v1/quotes HTTP/1.1" 429 57 "-" '
        '"okhttp/4.12"'
    )
    findings = [signed("quotes-gw", own, 12), _deployment("quotes-gw")]
    done = conclude([], default_playbooks(), findings, GATEWAY)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("traffic_spike", "quotes-gw")
    assert "rate limit" in top.summary
    # more replicas do not raise a limit the service enforces itself: nothing writes first
    assert not any(a.risk != "read" for a in done.actions)
    assert any("scale" in f.text and "withdrawn" in f.text for f in done.facts)
    assert done.next_steps


def test_a_platform_throttling_the_service_is_not_read_as_its_own_limit() -> None:
    platform = (
        "botocore.exceptions.ClientError: An error occurred (TooManyRequestsException) when "
        "calling the Invoke operation (reached max retries: 4): Rate Exceeded."
    )
    findings = [signed("quotes-gw", platform, 12)]
    done = conclude([], default_playbooks(), findings, GATEWAY)
    assert done.hypotheses[0].kind != "traffic_spike"
