"""A TLS client that refuses a certificate checks the one presented by what it calls: when its
line names that service, the certificate (and the hypothesis) is the callee's, not the client's
(failure_modes.yaml; bench_generated's TLS classes). Made-up names and lines as the runtimes
print them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_general_causes import signed
from tests.unit.investigate.test_reasoning import errors_up

ZOR = Topology(
    [
        ServiceNode("brisk", "k8s_deployment", "brisk", "zor", depends_on=("quell",)),
        ServiceNode("quell", "k8s_deployment", "quell", "zor"),
    ]
)
URL = "https://quell.zor.svc.cluster.local:8443/v1/items"
GO = f'level=error msg="call failed" err="Get \\"{URL}\\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid"'  # noqa: E501
JAVA = f'org.springframework.web.client.ResourceAccessException: I/O error on GET request for "{URL}": sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed'  # noqa: E501


def _named(line: str, **attrs: Any) -> Finding:
    found = signed("brisk", line, 20, count=60)
    found.attrs.update(attrs)
    return found


@pytest.mark.parametrize("line", [GO, JAVA], ids=["go", "java"])
def test_the_certificate_a_client_refuses_is_the_callee_it_names(line: str) -> None:
    hit = _named(line, mentions="quell")
    assert hit.type == FindingType.LOG_SIGNATURE and hit.attrs["signature"] == "cert_expired"
    done = conclude([], default_playbooks(), [hit, errors_up("brisk", 19)], ZOR)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("certificate_expiry", "quell")
    assert not done.actions or done.actions[0].risk == "read"


def test_a_refused_certificate_naming_no_service_stays_on_the_service_that_prints_it() -> None:
    line = "x509: certificate has expired or is not yet valid: current time 2026-01-01T00:00:00Z"
    done = conclude([], default_playbooks(), [_named(line), errors_up("brisk", 19)], ZOR)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("certificate_expiry", "brisk")


UNTRUSTED = {
    "go": f'level=error msg="call failed" err="Get \\"{URL}\\": tls: failed to verify certificate: x509: certificate signed by unknown authority"',  # noqa: E501
    "java": f'org.springframework.web.client.ResourceAccessException: I/O error on GET request for "{URL}": sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target',  # noqa: E501
    "python": "requests.exceptions.SSLError: HTTPSConnectionPool(host='quell.zor.svc.cluster.local', port=8443): Max retries exceeded with url: /v1/items (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))",  # noqa: E501
}


@pytest.mark.parametrize("style", sorted(UNTRUSTED))
def test_a_certificate_in_date_but_untrusted_is_a_configuration_change_not_an_expiry(
    style: str,
) -> None:
    """Signed by an authority the client does not know: nothing expired; the certificate (or
    the trust) changed on the callee the line names."""
    hit = _named(UNTRUSTED[style], mentions="quell")
    assert hit.attrs["cause_kind"] == "tls_unknown_authority"
    done = conclude([], default_playbooks(), [hit, errors_up("brisk", 19)], ZOR)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "quell")
    assert not any(h.kind == "certificate_expiry" for h in done.hypotheses[:1])
    assert not done.actions or done.actions[0].risk == "read"
