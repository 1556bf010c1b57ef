"""Similar past incidents on SQLite and Postgres: same kind of cause with other names wins over
the same service with another cause; outcomes and notes come back with them."""

from __future__ import annotations

from bot.clock import utcnow
from bot.history import flows, service
from bot.history.index import SimilarityIndex, changed, index_for
from bot.history.terms import note_terms
from bot.store import Database, Incident, RemediationRequest
from tests.history_cases import deploy_regression, oom, store_past, topology

TOPO = topology(("payments", "k8s_deployment"), ("checkout", "k8s_deployment"),
                ("ledger", "lambda"))  # fmt: skip


def test_same_kind_with_other_names_beats_same_service_with_another_cause(
    database: Database,
) -> None:
    same_kind = store_past(database, oom("checkout"), TOPO, resolution_note="raised memory limit")
    same_service = store_past(database, deploy_regression("payments"), TOPO)
    result, alerts = oom("payments")
    found = flows.similar_to_result(database, result, topology=TOPO, alerts=alerts)
    ids = [s.past.incident_id for s in found]
    assert ids[0] == same_kind
    assert same_service not in ids or ids.index(same_service) > ids.index(same_kind)
    top = found[0].past
    assert (top.kind, top.platform) == ("oom_killed", "k8s_deployment")
    assert "raised memory limit" in top.fixed_by
    assert any(t.startswith("cause:oom_killed") for t in found[0].shared)


def test_outcomes_say_what_fixed_it_and_what_did_not(database: Database) -> None:
    past = store_past(database, oom("checkout"), TOPO)
    with database.session() as s:
        for n, (action, state) in enumerate(
            [("k8s.restart_deployment", "not_recovered"), ("k8s.set_memory_limit", "verified")]
        ):
            s.add(RemediationRequest(idempotency_key=f"k{n}", incident_id=past, action=action,
                                     params={"name": "checkout"}, state=state))  # fmt: skip
    result, alerts = oom("payments")
    (hit,) = flows.similar_to_result(database, result, topology=TOPO, alerts=alerts)
    assert hit.past.fixed_by == ["k8s.set_memory_limit(name=checkout)"]
    assert hit.past.did_not_fix == ["k8s.restart_deployment(name=checkout)"]


def test_the_incident_itself_and_unrelated_ones_are_not_similar(database: Database) -> None:
    current = store_past(database, oom("payments"), TOPO)
    store_past(database, deploy_regression("ledger"), TOPO)
    result, alerts = oom("payments")
    found = flows.similar_to_result(database, result, topology=TOPO, alerts=alerts,
                                    exclude=current)  # fmt: skip
    assert found == []


def test_a_new_incident_is_found_without_a_restart(database: Database) -> None:
    result, alerts = oom("payments")
    assert flows.similar_to_result(database, result, topology=TOPO, alerts=alerts) == []
    added = store_past(database, oom("checkout"), TOPO)
    found = flows.similar_to_result(database, result, topology=TOPO, alerts=alerts)
    assert [s.past.incident_id for s in found] == [added]


def test_another_teams_incident_is_not_shown(database: Database) -> None:
    from bot.store import Team

    with database.session() as s:
        shop, data = Team(name="shop"), Team(name="data")
        s.add_all([shop, data])
        s.flush()
        shop_id, data_id = shop.id, data.id
    theirs = store_past(database, oom("checkout"), TOPO, team_id=data_id)
    ours = store_past(database, oom("ledger"), TOPO, team_id=shop_id)
    current = store_past(database, oom("payments"), TOPO, team_id=shop_id)
    result, alerts = oom("payments")
    found = flows.similar_to_result(database, result, topology=TOPO, alerts=alerts,
                                    exclude=current)  # fmt: skip
    assert [s.past.incident_id for s in found] == [ours]
    assert theirs not in [s.past.incident_id for s in found]


def test_new_and_resolved_incidents_go_into_the_index_without_a_rebuild(
    database: Database,
) -> None:
    store_past(database, oom("checkout"), TOPO)
    store_past(database, deploy_regression("ledger"), TOPO)
    before = index_for(database)
    added = store_past(database, oom("ledger"), TOPO)
    with database.session() as s:  # resolved with a note: the note's words are indexed too
        row = s.get(Incident, added)
        assert row is not None
        row.status, row.resolved_at, row.resolution_note = "resolved", utcnow(), "raised memory"
    changed(database)
    after = index_for(database)
    assert after is before and len(after) == 3  # put into, not rebuilt
    with database.session() as s:
        rows = service.docs(session=s)
        query = service.doc_terms(session=s, incident_id=added)
    fresh = SimilarityIndex.build(
        [r[0] for r in rows], [r[1].split() + note_terms(r[2], r[3]) for r in rows]
    )
    assert after.search(query, k=5) == fresh.search(query, k=5)
    assert after.search(["w:memory"], k=5) == fresh.search(["w:memory"], k=5)
    assert after.terms == fresh.terms
