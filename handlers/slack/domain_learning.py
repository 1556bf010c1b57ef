"""Learning behind the Slack services: feedback clicks, ratings, right / wrong cause, "what
fixed it" from the resolve modal, ``/aiops fixes`` and ``/aiops stats``. Each calls one
``bot.learn`` flow with the clicking user as the actor."""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import UserError
from bot.learn import feedback as learned
from bot.learn.library import fix_library
from bot.learn.report import fix_lines, stats_lines
from bot.learn.stats import learning_stats
from handlers.blocks.ids import FeedbackKind, FeedbackRef, JudgeRef, RatingRef
from handlers.blocks.models import FixOption
from handlers.blocks.text import escape
from handlers.slack.domain import Domain
from handlers.slack.services import Actor, Reply

THANKS = ":pray: Thanks, noted."


def _investigation(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise UserError("This button is out of date or malformed.")
    return int(raw)


def feedback(domain: Domain, actor: Actor, ref: FeedbackRef, kind: FeedbackKind) -> Reply:
    learned.give_feedback(
        domain.flows, user=actor.user_id, kind=kind, incident_id=ref.incident_id,
        investigation_id=_investigation(ref.investigation_id),
    )  # fmt: skip
    return Reply(THANKS)


def rate(domain: Domain, actor: Actor, ref: RatingRef) -> Reply:
    learned.rate(
        domain.db, domain.clock, user=actor.user_id, rating=ref.rating,
        incident_id=ref.incident_id, investigation_id=_investigation(ref.investigation_id),
    )  # fmt: skip
    return Reply(f"{THANKS} You rated this analysis {ref.rating} of 5.")


def judge(domain: Domain, actor: Actor, ref: JudgeRef) -> Reply:
    learned.judge(
        domain.db, domain.clock, user=actor.user_id, about=ref.about, name=ref.name,
        right=ref.right, incident_id=ref.incident_id,
        investigation_id=_investigation(ref.investigation_id),
    )  # fmt: skip
    what = "cause" if ref.about == "hypothesis" else "fix"
    verdict = f"the right {what}" if ref.right else f"not the {what}"
    return Reply(f"{THANKS} `{escape(ref.name)}` marked as {verdict}.")


def fix_choices(actor: Actor) -> Sequence[FixOption]:
    """Registry actions and live runbooks for "what fixed it" (in memory: fast enough to build
    inside the click's ack)."""
    return [FixOption(c.value, c.label) for c in learned.fix_choices()]


def fix_found(
    domain: Domain, actor: Actor, incident_id: int, pick: str | None, text: str | None
) -> Reply:
    recorded = learned.what_fixed_it(
        domain.db, domain.clock, user=actor.user_id, incident_id=incident_id, pick=pick, text=text
    )
    if not recorded:
        return Reply("Nothing new to note about what fixed it.")
    what = escape(" and ".join(recorded))
    domain.note(incident_id, f":bulb: <@{actor.user_id}> says the fix was {what}.")
    return Reply(f"{THANKS} Filed as what fixed incident #{incident_id}: {what}.")


def fixes(domain: Domain, actor: Actor, service: str | None, kind: str | None) -> Reply:
    lines = fix_lines(fix_library(domain.db, service=service, kind=kind))
    return Reply("*Fix library*\n" + "\n".join(escape(line) for line in lines))


def stats(domain: Domain, actor: Actor) -> Reply:
    lines = stats_lines(learning_stats(domain.db, now=domain.clock.now()))
    return Reply("*What aiops has learned*\n" + "\n".join(escape(line) for line in lines))
