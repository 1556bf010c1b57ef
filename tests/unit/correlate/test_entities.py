"""Entity labels (pods, replicas, detector entities, call ends) map to known services by
structure: Kubernetes suffixes stripped, replica tags allowed, nothing invented."""

from __future__ import annotations

import pytest

from bot.correlate.entities import EntityMap, entity_base

KNOWN = ["orders", "orders-api", "ledger-db", "web"]


@pytest.mark.parametrize(
    ("value", "service"),
    [
        ("orders", "orders"),
        ("ORDERS", "orders"),
        ("orders-5f7c9d8b4-k2m9x", "orders"),  # Deployment pod: ReplicaSet hash + pod id
        ("orders-api-7d9f8-abcde", "orders-api"),  # the longest known name wins
        ("orders-api-0", "orders-api"),  # StatefulSet ordinal
        ("ledger-db-2", "ledger-db"),
        ("orders2-0", "orders"),  # a second replica set tagged with a digit
        ("web-1:8080", "web"),  # a port
        ("web-1/nginx", "web"),  # a container part
        ("shop/orders-5f7c9d8b4-k2m9x", "orders"),  # a pod after its namespace
        ("orders-0.orders.shop.svc.cluster.local", "orders"),  # a pod's DNS name
        ("ledger-db-1.ledger-db:5432", "ledger-db"),  # a DNS name with a port
        ("web-1/orders", "web"),  # the pod part comes first
        ("10.0.3.7:9100", None),  # an address names no service
        ("ordersx", None),  # a different word is not a replica tag
        ("node-6", None),  # unknown: never invented
        ("", None),
    ],
)
def test_entity_maps_to_service(value: str, service: str | None) -> None:
    assert EntityMap(KNOWN).service_of(value) == service


def test_exact_known_name_is_kept_even_when_it_looks_like_a_replica() -> None:
    assert EntityMap(["api-2", "api"]).service_of("api-2") == "api-2"


def test_services_learned_later_are_found() -> None:
    entities = EntityMap([])
    assert entities.service_of("billing-0") is None
    entities.learn(["billing"])
    assert entities.service_of("billing-0") == "billing"


def test_entity_base_strips_only_kubernetes_suffixes() -> None:
    assert entity_base("checkout-6c9b8d7f4-q2w3e") == "checkout"
    assert entity_base("checkout-backend") == "checkout-backend"
