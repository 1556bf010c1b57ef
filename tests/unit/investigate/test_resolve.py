"""A question that names no service: matched by its words over names, resources, tags, platforms,
tiers, synonyms and close spellings; else what alerts now; else everything; the answer says what
was assumed, and such a question is investigated, not refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.investigate.classify import classify
from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.resolve import match_words, resolve
from bot.investigate.sources import Ec2Record
from bot.store import Database
from bot.store.models import Alert

NOW = datetime(2025, 1, 1, 14, 0, tzinfo=UTC)


class Inventory:
    """The evidence port with an EC2 inventory only (what resolve reads)."""

    def __init__(self, instances: list[Ec2Record] | None = None) -> None:
        self.instances = instances or []

    def now(self) -> datetime:
        return NOW

    def metric_catalog(self) -> list:  # type: ignore[type-arg]
        return []

    def ec2_instances(self) -> list[Ec2Record]:
        return self.instances


def ctx(instances: list[Ec2Record] | None = None, store: object = None) -> InvestigationContext:
    topo = Topology(
        [
            ServiceNode(
                "storefront",
                "k8s_deployment",
                "storefront",
                "shop",
                tier="edge",
                depends_on=("cart-svc", "search-api"),
            ),
            ServiceNode("cart-svc", "k8s_deployment", "cart-svc", "shop", depends_on=("shop-pg",)),
            ServiceNode("search-api", "ecs_service", "search-api", "prod"),
            ServiceNode("shop-pg", "rds", "shop-pg-1", tier="data"),
            ServiceNode("batch-7", "ec2", "batch-7"),
        ]
    )
    return InvestigationContext(
        evidence=Inventory(instances),  # type: ignore[arg-type]
        topology=topo,
        store=store,
    )


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("customers say checkout is broken since lunch", ["cart-svc"]),  # synonym
        ("serach results time out", ["search-api"]),  # close spelling of a name part
        ("the database is slow", ["shop-pg"]),  # platform word, one database
        ("search results are empty", ["search-api"]),  # a name part
        ("the website shows errors", ["storefront"]),  # tier word
    ],
)
def test_words_find_the_service(query: str, want: list[str]) -> None:
    assert list(match_words(ctx(), query)) == want


def test_ec2_tags_are_inventory_words() -> None:
    tags = {"Name": "batch-7", "app": "payroll"}
    tagged = Ec2Record("batch-7", "i-1", "running", "c5.large", [], tags)
    assert list(match_words(ctx([tagged]), "payroll runs are late and failing")) == ["batch-7"]


def test_resolution_says_what_was_assumed() -> None:
    res = resolve(ctx(), "customers say checkout is broken since lunch")
    assert res.how == "words" and res.services == ["cart-svc"]
    assert "assumed" in res.assumed and "cart-svc" in res.assumed and "'checkout'" in res.assumed


def test_no_matching_word_and_nothing_alerting_looks_at_everything() -> None:
    res = resolve(ctx(), "everything is broken, help")
    assert res.how == "everything" and len(res.services) == 5
    assert "names no known service" in res.assumed


def test_no_matching_word_takes_what_alerts_now(database: Database) -> None:
    with database.session() as s:
        s.add(
            Alert(
                source="generic",
                fingerprint="f1",
                name="HighErrors",
                service="search-api",
                starts_at=NOW - timedelta(minutes=20),
            )
        )
        s.add(
            Alert(
                source="generic",
                fingerprint="f2",
                name="Old",
                service="cart-svc",
                status="resolved",
                starts_at=NOW - timedelta(minutes=20),
            )
        )
    res = resolve(ctx(store=database), "everything is broken, help")
    assert res.how == "alerting" and res.services == ["search-api"]
    assert "alerting now" in res.assumed


def test_a_question_naming_no_service_is_investigated_not_refused() -> None:
    c = classify(ctx(), default_playbooks(), query="customers say checkout is broken since lunch")
    assert c.targets == ["cart-svc"]
    assert "cart-svc" in c.assumed


def test_a_named_service_needs_no_assumption() -> None:
    c = classify(ctx(), default_playbooks(), query="cart-svc pods crashlooping")
    assert c.targets == ["cart-svc"] and c.assumed == ""


def test_gibberish_looks_at_everything_and_says_so() -> None:
    c = classify(ctx(), default_playbooks(), query="asdf qwerty")
    assert sorted(c.targets) == sorted(ctx().topology.names())
    assert "looked at every service" in c.assumed


def test_gibberish_in_a_world_with_no_service_is_refused_with_help() -> None:
    empty = InvestigationContext(evidence=Inventory(), topology=Topology([]))  # type: ignore[arg-type]
    with pytest.raises(UserError, match="I can investigate"):
        classify(empty, default_playbooks(), query="asdf qwerty")


@pytest.mark.parametrize(
    "question",
    ["SearchApi times out", "search_api is erroring", "the SEARCH-API is down", "searchapi 500s"],
)
def test_a_name_is_matched_whatever_its_case_and_separators(question: str) -> None:
    assert list(match_words(ctx(), question)) == ["search-api"]


def test_a_name_written_without_its_separator_is_matched() -> None:
    assert list(match_words(ctx(), "CartSvc keeps failing")) == ["cart-svc"]


def test_a_log_line_binds_to_a_service_whatever_its_case_and_separators() -> None:
    from bot.investigate.primitives.base import owner_by_words, word_in

    assert owner_by_words(ctx(), "ERROR calling Search_API: timeout") == "search-api"
    assert owner_by_words(ctx(), "Connection to SHOP-PG-1 refused") == "shop-pg"
    assert word_in("opensearch", "OpenSearch cluster is red")
    # still whole names: not inside a longer one
    assert not word_in("cart-svc", "cart-svc2 started")
    assert not word_in("shop", "shopping")
