"""A question naming a pod, a shorter name, a namespace or a close spelling of something that
exists is investigated on the workload it means, and the answer says what was assumed; a name
that matches nothing falls back to what alerts now, else to every service (said); only a world
with no service at all is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.investigate.classify import classify
from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.names import match_name, name_words, resolve_names
from bot.store import Database
from bot.store.models import Alert

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


class NoEvidence:
    def now(self) -> datetime:
        return NOW

    def metric_catalog(self) -> list:  # type: ignore[type-arg]
        return []

    def ec2_instances(self) -> list:  # type: ignore[type-arg]
        return []


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("ledger-writer-7", "k8s_deployment", "ledger-writer-7", "books-7"),
            ServiceNode("quota-keeper", "k8s_deployment", "quota-keeper", "books-7"),
            ServiceNode("zeta-queue", "k8s_statefulset", "zeta-queue", "msg"),
            ServiceNode("thumbnailer", "lambda", "thumbnailer"),
            ServiceNode("orders-db", "rds", "orders-db-primary", tier="data"),
        ]
    )


def ctx(store: object = None) -> InvestigationContext:
    return InvestigationContext(evidence=NoEvidence(), topology=topo(), store=store)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pod", "owner"),
    [
        ("quota-keeper-5d8f7b9c4-q2w7z", "quota-keeper"),  # Deployment → ReplicaSet → pod
        ("quota-keeper-x8z2k", "quota-keeper"),  # a ReplicaSet/Job/DaemonSet pod
        ("zeta-queue-2", "zeta-queue"),  # a StatefulSet ordinal
    ],
)
def test_a_pod_name_means_its_workload(pod: str, owner: str) -> None:
    found = match_name(topo(), pod)
    assert found is not None and found.how == "pod" and found.services == (owner,)
    assert pod in found.note and owner in found.note


def test_a_shorter_name_means_the_longer_one_and_says_so() -> None:
    found = match_name(topo(), "ledger-writer")
    assert found is not None and found.how == "prefix"
    assert found.services == ("ledger-writer-7",)
    assert "closest name to 'ledger-writer'" in found.note


def test_a_longer_name_means_its_stem() -> None:
    found = match_name(topo(), "thumbnailer-canary")
    assert found is not None and found.services == ("thumbnailer",)


def test_a_namespace_means_its_workloads() -> None:
    found = match_name(topo(), "books-7")
    assert found is not None and found.how == "namespace"
    assert set(found.services) == {"ledger-writer-7", "quota-keeper"}


def test_a_close_spelling_is_matched_above_a_threshold() -> None:
    found = match_name(topo(), "orders-dbb")
    assert found is not None and found.how in {"fuzzy", "prefix"}
    assert found.services == ("orders-db",)
    assert match_name(topo(), "zorblax-frob") is None


def test_a_namespace_beside_a_name_only_narrows_it() -> None:
    res = resolve_names(topo(), "the ledger-writer pod in namespace books-7 restarted")
    assert res.services == ["ledger-writer-7"]
    assert "closest name to 'ledger-writer'" in res.assumed


def test_name_words_drop_backquotes() -> None:
    assert name_words("logs for deployment `quota-keeper`") == ["quota-keeper"]


@pytest.mark.parametrize(
    ("question", "want"),
    [
        ("why did my pod quota-keeper-5d8f7b9c4-q2w7z die yesterday?", ["quota-keeper"]),
        ("The ledger-writer pod had issues around 13:45. What happened?", ["ledger-writer-7"]),
        (
            "can you check what is going on in namespace books-7?",
            ["ledger-writer-7", "quota-keeper"],
        ),
        ("show me the logs of thumbnailer-canary", ["thumbnailer"]),
    ],
)
def test_questions_naming_what_exists_are_investigated_not_refused(
    question: str, want: list[str]
) -> None:
    c = classify(ctx(), default_playbooks(), query=question)
    assert sorted(c.targets) == want
    assert c.assumed.startswith("Assumed ")


def test_an_unknown_name_falls_back_to_what_alerts_now(database: Database) -> None:
    with database.session() as s:
        s.add(
            Alert(
                source="generic",
                fingerprint="n1",
                name="HighErrors",
                service="thumbnailer",
                starts_at=NOW - timedelta(minutes=10),
            )
        )
    c = classify(ctx(database), default_playbooks(), query="errors on zorblax-frob")
    assert c.targets == ["thumbnailer"]
    assert "'zorblax-frob' matches no service" in c.assumed and "alerting now" in c.assumed


def test_an_unknown_name_with_nothing_alerting_looks_at_everything_and_says_so() -> None:
    c = classify(ctx(), default_playbooks(), query="errors on zorblax-frob")
    assert sorted(c.targets) == sorted(topo().names())
    assert "'zorblax-frob' matches no service" in c.assumed
    assert "looked at every service" in c.assumed


def test_an_unknown_name_in_a_world_with_no_service_is_refused_with_what_to_configure() -> None:
    empty = InvestigationContext(evidence=NoEvidence(), topology=Topology([]))  # type: ignore[arg-type]
    with pytest.raises(UserError, match="AIOPS_TOPOLOGY_FILE"):
        classify(empty, default_playbooks(), query="what about zorblax-frob")


def test_a_namespace_named_means_all_its_workloads_however_many() -> None:
    many = Topology(
        [ServiceNode(f"w{i}-job", "k8s_deployment", f"w{i}-job", "lab-9") for i in range(12)]
    )
    found = match_name(many, "lab-9")
    assert found is not None and found.how == "namespace" and len(found.services) == 12
