"""A healthy system with one warning alert that names no failure stays a healthy answer (issue
15 pt 1): no failure hypothesis is assumed from an alert whose words name no failure mode when
the facts support no cause; an alert that names one, or facts that do, still answer. Made-up
names."""

from __future__ import annotations

from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import from_alerts, names_failure
from bot.investigate.flows import default_playbooks
from bot.investigate.reasoning import conclude

TOPO = Topology([ServiceNode("gossip", "k8s_statefulset", "gossip", "ops")])
QUIET = AlertView("ReleaseDrillNotice", "gossip", "routine notice raised by the release drill")
LOUD = AlertView("GossipPodCrashLooping", "gossip", "pod gossip-0 is restarting")


def test_an_alert_that_names_no_failure_mode() -> None:
    assert not names_failure(QUIET)
    assert names_failure(LOUD)


def test_the_rules_assume_no_failure_from_it() -> None:
    target = InvestigationTarget(alerts=[QUIET], root_alert=QUIET)
    assert conclude([], default_playbooks(), [], TOPO, target).hypotheses == []
    # a person's question is still read as a symptom (never silent), and so is a loud alert
    assert from_alerts([QUIET], QUIET, TOPO, origin="the question")
    loud = InvestigationTarget(alerts=[LOUD], root_alert=LOUD)
    (hyp,) = conclude([], default_playbooks(), [], TOPO, loud).hypotheses
    assert hyp.service == "gossip" and "crash loop" in hyp.summary


def test_an_alert_s_words_about_itself_report_nothing() -> None:
    from bot.investigate.resolve import alert_says_symptom, has_symptom

    text = "Insignificant alert raised for the release drill"
    assert has_symptom(text)  # a question "why is it alerting" reports a problem
    assert not alert_says_symptom("ReleaseDrillNotice", text)
    assert alert_says_symptom("Question", "What's wrong with the ledger?")
