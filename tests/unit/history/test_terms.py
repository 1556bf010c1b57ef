"""What retrieval counts of an investigation: causes with their platform, signatures and finding
kinds weigh; service names, numbers and ids never become terms; terms.yaml is validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.history.terms import Scrubber, investigation_terms, load_rules, rules
from tests.history_cases import oom, topology

TOPO = topology(
    ("orders-api", "k8s_deployment"), ("payments", "k8s_deployment"), ("billing", "lambda")
)


def _terms(service: str) -> list[str]:
    result, alerts = oom(service)
    return investigation_terms(result, TOPO, alerts=[a.name for a in alerts],
                               alert_services=[service])  # fmt: skip


def test_the_same_failure_on_another_service_has_the_same_terms() -> None:
    assert sorted(_terms("orders-api")) == sorted(_terms("payments"))


def test_no_service_name_number_or_id_becomes_a_term() -> None:
    text = " ".join(_terms("orders-api"))
    assert "orders" not in text and "137" in text  # an exit code is a category, kept
    assert not any(part in text for part in ("256", "14", "restarts:"))


def test_the_cause_on_its_platform_weighs_most() -> None:
    terms = _terms("orders-api")
    w = rules().weights
    assert terms.count("cause:oom_killed@k8s_deployment") == w.cause_platform[0]
    assert terms.count("sig:oom_killed") == w.signature
    assert terms.count("cause:oom_killed@k8s_deployment") > terms.count("w:restarting")


@pytest.mark.parametrize("spelled", ["orders-api", "orders_api", "Orders Api", "OrdersApi"])
def test_a_service_name_is_taken_out_however_it_is_spelled(spelled: str) -> None:
    scrub = Scrubber(["orders-api"])
    assert "orders" not in scrub.text(spelled.replace("OrdersApi", "Orders Api"))


def test_a_bad_terms_file_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "terms.yaml"
    bad.write_text("weights: {cause: [4], cause_platform: [4], finding: -1, signature: 1,\n"
                   "  attribute: 1, alert: 1, action: 1, platform: 1, word: 1}\n"
                   "attributes: [reason]\nstopwords: []\n")  # fmt: skip
    with pytest.raises(ConfigError, match=r"terms.yaml: weights.finding: "):
        load_rules(bad)
