"""Rules over findings: matching, scoring, ranking, and actions from the registry only."""

from __future__ import annotations

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.interpret import matches, rank, recommend
from bot.investigate.models import Finding, FindingType
from bot.investigate.playbook_schema import Matcher, Playbook

TOPO = Topology(
    [
        ServiceNode("web", "k8s_deployment", "web", "prod", depends_on=("api",)),
        ServiceNode("api", "k8s_deployment", "api", "prod", depends_on=("db",)),
        ServiceNode("db", "rds", "db"),
    ]
)


def f(type_: FindingType, service: str, **attrs: object) -> Finding:
    return Finding(
        type=type_, service=service, summary=f"{service} {attrs}", source="t", attrs=attrs
    )  # type: ignore[arg-type]


def test_matcher_conditions_and_scopes() -> None:
    shift = f(FindingType.METRIC_SHIFT, "db", signal="connections", rel_change=-1.0)
    m = Matcher(
        type=FindingType.METRIC_SHIFT,
        where={"signal": ["cpu", "connections"], "rel_change": {"lte": -0.5}},
    )
    assert matches(m, shift, "db", TOPO)
    assert not matches(m, shift, "api", TOPO)  # bound to the candidate by default
    dep = Matcher(type=FindingType.METRIC_SHIFT, scope="dependency")
    assert matches(dep, shift, "api", TOPO) and matches(dep, shift, "web", TOPO)
    assert not matches(dep, shift, "db", TOPO)
    caller = Matcher(
        type=FindingType.METRIC_SHIFT, scope="dependent", where={"service_kind": "rds"}
    )
    assert matches(caller, shift, "api", TOPO) is False  # db is not a caller of api
    me = Matcher(type=FindingType.LOG_SIGNATURE, scope="dependent", where={"mentions": "$service"})
    log = f(FindingType.LOG_SIGNATURE, "api", mentions="db")
    assert matches(me, log, "db", TOPO) and not matches(me, log, "web", TOPO)


BOOK = Playbook.model_validate(
    {
        "name": "t",
        "title": "t",
        "incident_class": "availability",
        "hypotheses": [
            {
                "kind": "database_unavailable",
                "summary": "{service} down",
                "base": 0.5,
                "all": [{"type": "resource_state", "where": {"healthy": False}}],
                "support": [
                    {
                        "match": {
                            "type": "log_signature",
                            "scope": "dependent",
                            "where": {"signature": "connection_refused"},
                        },
                        "weight": 0.3,
                    }
                ],
            },
            {
                "kind": "dependency_failure",
                "summary": "{service} fails",
                "base": 0.4,
                "all": [{"type": "log_signature", "where": {"signature": "connection_refused"}}],
                "against": [
                    {
                        "match": {
                            "type": "resource_state",
                            "scope": "dependency",
                            "where": {"healthy": False},
                        },
                        "weight": 0.3,
                    }
                ],
            },
        ],
        "remediations": [
            {
                "action": "rds.reboot_instance",
                "kinds": ["database_unavailable"],
                "params": {"id": "{resource}"},
                "rationale": "reboot",
            },
            {
                "action": "rds.modify_parameter",
                "kinds": ["database_unavailable"],
                "when": {"type": "config_diff"},
                "params": {"id": "{resource}", "name": "{m.key}", "value": "{m.old}"},
                "rationale": "revert",
            },
        ],
    }
)


def test_the_root_outranks_its_callers_and_actions_follow_it() -> None:
    findings = [
        f(FindingType.RESOURCE_STATE, "db", healthy=False),
        f(FindingType.LOG_SIGNATURE, "api", signature="connection_refused"),
    ]
    ranked = rank([BOOK], findings, ["web", "api", "db"], TOPO)
    assert [(h.kind, h.service) for h in ranked] == [
        ("database_unavailable", "db"),
        ("dependency_failure", "api"),
    ]
    assert ranked[0].confidence == 0.8 and ranked[1].confidence == 0.1
    assert ranked[1].against  # the evidence against is kept
    actions = recommend(ranked, [BOOK], findings, TOPO)
    # no config_diff finding: the revert is not offered, the reboot is (with its risk)
    assert [(a.action, a.params, a.risk) for a in actions] == [
        ("rds.reboot_instance", {"id": "db"}, "high")
    ]


def test_templates_that_do_not_resolve_drop_the_action() -> None:
    findings = [
        f(FindingType.RESOURCE_STATE, "db", healthy=False),
        f(FindingType.CONFIG_DIFF, "db", key="shared_buffers", old=None),
    ]
    ranked = rank([BOOK], findings, ["db"], TOPO)
    names = [a.action for a in recommend(ranked, [BOOK], findings, TOPO)]
    assert names == ["rds.reboot_instance"]


def test_nothing_matches_nothing_ranked() -> None:
    assert rank([BOOK], [], ["db"], TOPO) == []
