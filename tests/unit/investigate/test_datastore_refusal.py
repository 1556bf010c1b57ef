"""A datastore whose own lines refuse its clients (auth, permissions, TLS required) is the cause,
not the client that crashes on the refusal (issue 15 pt 3). Rules in datastore_refusal.yaml, the
lines signed by the catalogue's MongoDB entries; made-up names and lines."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning import conclude
from tests.unit.investigate.test_general_causes import signed
from tests.unit.investigate.test_reasoning import crash, finding

SHOP = Topology(
    [
        ServiceNode("web", "k8s_deployment", "web", "shop", depends_on=("ledger",)),
        ServiceNode("ledger", "k8s_deployment", "ledger", "shop", depends_on=("ledger-mongo",)),
        ServiceNode("ledger-mongo", "k8s_deployment", "ledger-mongo", "shop", tier="data"),
    ]
)

SERVER = (
    '{"t":{"$date":"2026-03-02T08:14:02.310+00:00"},"s":"I","c":"ACCESS","id":20249,'
    '"ctx":"conn7","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256",'
    '"principalName":"ledger","authenticationDatabase":"admin","error":"UserNotFound: Could '
    'not find user \\"ledger\\" for db \\"admin\\""}}'
)
CLIENT = (
    "PNC cmd/ledger/db.go:40 > server returned error on SASL authentication step: "
    "Authentication failed."
)


def _facts() -> list[Finding]:
    return [
        crash("ledger", exit_code=2),
        signed("ledger", CLIENT, 3, level="ERROR", count=4),
        signed("ledger-mongo", SERVER, 3, level="INFO", count=4),
    ]


def test_the_database_refusing_its_client_is_the_cause_not_the_crashing_client() -> None:
    findings = _facts()
    assert findings[2].attrs["signature_id"] == "mongo.user_not_found"
    done = conclude([], default_playbooks(), findings, SHOP)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "ledger-mongo")
    assert findings[2].summary in top.evidence
    client = next(h for h in done.hypotheses if h.service == "ledger")
    assert client.confidence < top.confidence
    assert any("refusing its clients" in a for a in client.against)
    assert not any(a.risk != "read" for a in done.actions)  # nothing we may write restores a user


def test_a_client_whose_own_configuration_just_changed_stays_a_suspect() -> None:
    change = finding(
        FindingType.CHANGE,
        "ledger",
        "ledger: config 10 min ago by ci",
        10,
        kind="config",
        minutes_ago=10,
        label="config",
        behavioural=True,
        object="secret/ledger-mongo-creds",
    )
    done = conclude([], default_playbooks(), [*_facts(), change], SHOP)
    assert ("config_change", "ledger-mongo") not in {
        (h.kind, h.service) for h in done.hypotheses[:1]
    }


def test_only_the_client_saying_it_is_refused_does_not_blame_the_database() -> None:
    findings = _facts()[:2]
    done = conclude([], default_playbooks(), findings, SHOP)
    assert ("config_change", "ledger-mongo") not in {(h.kind, h.service) for h in done.hypotheses}


MANAGED = Topology(
    [
        ServiceNode("brisk", "k8s_deployment", "brisk", "zor", depends_on=("quell", "vantor")),
        ServiceNode("quell", "k8s_deployment", "quell", "zor", depends_on=("vantor",)),
        ServiceNode("vantor", "rds", "vantor", tier="data"),
    ]
)
REFUSED = 'FATAL:  password authentication failed for user "svc_zor"'


def _managed(with_change: bool) -> list[Finding]:
    found = [
        signed("quell", f"psycopg2.OperationalError: {REFUSED}", 20, count=80),
        signed("brisk", f'level=error msg="query failed" err="{REFUSED}"', 19, count=50),
        finding(
            FindingType.METRIC_SHIFT,
            "brisk",
            "errors (brisk) rose 18 min ago",
            18,
            signal="errors",
            direction="up",
            recovered=False,
            onset_min_ago=18,
        ),  # fmt: skip
    ]
    if with_change:
        found.append(
            finding(
                FindingType.CHANGE,
                "vantor",
                "vantor: config ModifyDBInstance 23 min ago",
                23,
                kind="config",
                minutes_ago=23,
                label="ModifyDBInstance",
            )  # fmt: skip
        )
    return found


def test_a_managed_database_that_changed_before_its_clients_were_refused_is_the_cause() -> None:
    """No line of the database is read (a managed instance); it changed 23 min ago and its
    clients have been refused since 20: the clients' refusals are its evidence."""
    done = conclude([], default_playbooks(), _managed(True), MANAGED)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("config_change", "vantor")
    assert not done.actions or done.actions[0].risk == "read"


def test_a_managed_database_that_did_not_change_is_not_blamed_on_its_clients_word() -> None:
    done = conclude([], default_playbooks(), _managed(False), MANAGED)
    assert ("config_change", "vantor") not in {(h.kind, h.service) for h in done.hypotheses}


# ---- refusals that report the datastore's state: at its connection limit, read-only --------
FULL = "FATAL:  sorry, too many clients already"


def _connections(current: float, limit: int) -> list[Finding]:
    """The managed database's connections metric and the limit its parameter group sets."""
    return [
        finding(
            FindingType.RESOURCE_STATE,
            "vantor",
            "vantor: RDS instance vantor (postgres, db.r6g.large) status is available",
            resource="rds",
            state="available",
            healthy=True,
            id="vantor",
            max_connections=limit,
        ),
        finding(
            FindingType.METRIC_SHIFT,
            "vantor",
            f"DatabaseConnections (vantor) rose from 40 21 min ago (step), now {current}",
            21,
            signal="connections",
            direction="up",
            current=current,
            peak=current,
            recovered=False,
            onset_min_ago=21,
        ),
    ]  # fmt: skip


def _full(*clients: str) -> list[Finding]:
    return [signed(c, f"org.postgresql.util.PSQLException: {FULL}", 20, count=80) for c in clients]


def _top(findings: list[Finding]) -> tuple[str, str]:
    done = conclude([], default_playbooks(), findings, MANAGED)
    assert not done.actions or done.actions[0].risk == "read"
    return done.hypotheses[0].kind, done.hypotheses[0].service


def test_several_clients_refused_at_the_connection_limit_blame_the_database() -> None:
    findings = _full("quell", "brisk")
    assert findings[0].attrs["cause_kind"] == "db_too_many_connections"
    done = conclude([], default_playbooks(), findings, MANAGED)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("database_unavailable", "vantor")
    assert "max_connections" in top.summary
    pools = [h for h in done.hypotheses if h.kind == "connection_pool_exhaustion"]
    assert pools and all(h.confidence < top.confidence for h in pools)
    assert all(any("refusing its clients" in a for a in h.against) for h in pools)


def test_one_client_refused_while_the_database_sits_at_its_limit_blames_the_database() -> None:
    assert _top([*_full("quell"), *_connections(200, 200)]) == ("database_unavailable", "vantor")


def test_one_client_refused_while_the_database_has_room_stays_the_clients_pool() -> None:
    assert _top([*_full("quell"), *_connections(60, 200)]) == (
        "connection_pool_exhaustion",
        "quell",
    )


def _quell_changed(**diff: str) -> Finding:
    """quell's own configuration change 25 min ago, 5 min before the refusals began."""
    return finding(
        FindingType.CHANGE,
        "quell",
        "quell: config 25 min ago by ci",
        25,
        kind="config",
        minutes_ago=25,
        label="config",
        behavioural=True,
        **diff,
    )


def test_a_client_that_just_changed_stays_the_suspect_for_the_connection_limit() -> None:
    got = _top([*_full("quell", "brisk"), _quell_changed()])
    assert got != ("database_unavailable", "vantor")


def test_a_client_told_the_database_is_read_only_blames_the_database() -> None:
    line = (
        "org.postgresql.util.PSQLException: ERROR: cannot execute UPDATE in a read-only transaction"  # noqa: E501
    )
    findings = [
        signed("quell", line, 20, count=70),
        finding(
            FindingType.METRIC_SHIFT,
            "quell",
            "errors (quell) rose 19 min ago",
            19,
            signal="errors",
            direction="up",
            recovered=False,
            onset_min_ago=19,
        ),  # fmt: skip
    ]
    assert findings[0].attrs["cause_kind"] == "db_read_only"
    assert _top(findings) == ("database_unavailable", "vantor")


def test_a_clients_logging_only_change_does_not_keep_it_the_suspect() -> None:
    """Its every key inert (change relevance): a log level cannot refuse connections."""
    change = _quell_changed(key="LOG_LEVEL")
    assert _top([*_full("quell", "brisk"), change]) == ("database_unavailable", "vantor")


# ---- a cache's own state, passed on by its clients: at maxmemory, loading -------------------
CACHED = Topology(
    [
        ServiceNode("brisk", "k8s_deployment", "brisk", "zor", depends_on=("quell",)),
        ServiceNode("quell", "k8s_deployment", "quell", "zor", depends_on=("vantor", "mirel")),
        ServiceNode("vantor", "rds", "vantor", tier="data"),
        ServiceNode("mirel", "k8s_deployment", "mirel", "zor", tier="cache"),
    ]
)


def _cache_facts(line: str) -> list[Finding]:
    return [
        signed("quell", line, 20, count=70),
        finding(
            FindingType.METRIC_SHIFT,
            "quell",
            "errors (quell) rose 19 min ago",
            19,
            signal="errors",
            direction="up",
            recovered=False,
            onset_min_ago=19,
        ),  # fmt: skip
        finding(
            FindingType.METRIC_TREND,
            "mirel",
            "memory (mirel) climbed steadily over 60 min to 99",
            60,
            signal="memory",
            near_limit=True,
        ),  # fmt: skip
    ]


def test_a_client_told_the_cache_is_at_maxmemory_blames_the_cache_not_a_leak() -> None:
    """redis-py's form of Redis's OOM reply (its code moved into the class name)."""
    findings = _cache_facts(
        "redis.exceptions.OutOfMemoryError: command not allowed when used memory > 'maxmemory'."
    )
    assert findings[0].attrs["cause_kind"] == "cache_oom"
    done = conclude([], default_playbooks(), findings, CACHED)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == (
        "database_unavailable",
        "mirel",
    )
    leak = [h for h in done.hypotheses if (h.kind, h.service) == ("memory_leak", "mirel")]
    assert all(h.confidence < done.hypotheses[0].confidence for h in leak)
    # a Redis reply says nothing about the client's other datastore
    assert ("database_unavailable", "vantor") not in {
        (h.kind, h.service) for h in done.hypotheses[:1]
    }
    assert not done.actions or done.actions[0].risk == "read"


def test_a_client_told_the_cache_is_loading_blames_the_cache() -> None:
    findings = _cache_facts("ReplyError: LOADING Redis is loading the dataset in memory")[:2]
    assert findings[0].attrs["cause_kind"] == "cache_loading"
    done = conclude([], default_playbooks(), findings, CACHED)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == (
        "database_unavailable",
        "mirel",
    )
