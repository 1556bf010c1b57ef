"""What covers a failing service in the never-silent pass (``fallback.never_silent``): callers
are read first, yet its own signed lines naming a cause beyond it are still read when nothing
covering it read them (a caller's reading moved onto it, a hypothesis blaming a change that
change relevance cleared); an unsigned line does not reopen it. Made-up names."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import never_silent
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.relevance import UNRELATED
from bot.investigate.signatures import match_line

TOPO = Topology(
    [
        ServiceNode("gate", "k8s_deployment", "gate", "ns", tier="edge", depends_on=("relay",)),
        ServiceNode("relay", "k8s_deployment", "relay", "ns", depends_on=("vault", "spool")),
        ServiceNode("vault", "k8s_deployment", "vault", "ns"),
        ServiceNode("spool", "k8s_deployment", "spool", "ns"),
    ]
)


def lines(service: str, text: str, mentions: str | None, **attrs: Any) -> Finding:
    matched = match_line(text)
    return Finding(
        type=FindingType.LOG_SIGNATURE if matched else FindingType.LOG_TEMPLATE,
        service=service,
        summary=f'{service}: 60 line(s) like "{text}"',
        source=f"k8s:ns/{service}-1/app",
        attrs={
            "level": "ERROR",
            "count": 60,
            "example": text,
            "template": text,
            "mentions": mentions,
            **(matched.finding_attrs() if matched else {}),
            **attrs,
        },
    )


#: the caller says what it calls fails; the callee's own calls refuse a certificate
CALLER = lines(
    "gate",
    "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: "
    "http://relay.ns.svc:8080/v1/items",
    "relay",
)
UNTRUSTED = lines(
    "relay",
    "FetchError: request to https://vault.ns.svc:8443/v1/items failed, reason: unable to get "
    "local issuer certificate",
    "vault",
)


def cleared_change() -> Hypothesis:
    """relay's own logging-only change, which change relevance cleared."""
    return Hypothesis(
        kind="config_change",
        service="relay",
        confidence=0.2,
        summary="A configuration change on relay caused the degradation",
        evidence=["relay: config revision 4 -> 5"],
        against=[f"{UNRELATED}: it only changed logging (LOG_LEVEL)"],
    )


def test_a_callee_named_by_its_callers_still_has_its_own_lines_read() -> None:
    assert UNTRUSTED.attrs.get("cause_kind") == "tls_unknown_authority"
    added = never_silent([CALLER, UNTRUSTED], [], TOPO)
    got = {(h.kind, h.service) for h in added}
    assert ("config_change", "vault") in got  # the certificate's service, from relay's lines
    assert ("dependency_failure", "relay") in got  # what gate's lines say stays too


def test_a_callee_whose_own_lines_name_nothing_beyond_it_stays_covered_by_its_callers() -> None:
    plain = lines("relay", "worker pool stalled, request dropped", None)
    added = never_silent([CALLER, plain], [], TOPO)
    assert [(h.kind, h.service) for h in added] == [("dependency_failure", "relay")]


def test_a_cleared_change_does_not_cover_a_signed_line_naming_the_far_end() -> None:
    logging_only = cleared_change()
    added = never_silent([UNTRUSTED], [logging_only], TOPO)
    assert [(h.kind, h.service) for h in added] == [("config_change", "vault")]
    weighed = logging_only.model_copy(update={"against": []})  # a change not cleared covers it
    assert never_silent([UNTRUSTED], [weighed], TOPO) == []


def test_an_unsigned_line_does_not_reopen_a_service_a_cleared_change_covers() -> None:
    # what reopens a covered service is its own *signed* line naming the far end; a plain error
    # line naming what it calls leaves the (weak, cleared) reading where it is
    logging_only = cleared_change()
    plain = lines("relay", "upstream vault answered 500 on /v1/items, giving up", "vault")
    assert plain.type == FindingType.LOG_TEMPLATE
    assert never_silent([plain], [logging_only], TOPO) == []
