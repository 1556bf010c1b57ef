"""An audit finding's fix, offered under a chat summary and proposed from it.

The summary's findings that name a registry action become ``FixOffer`` s (the action, its
parameters and the finding's account and region). Proposing one is checked here, not trusted
from the button that carried it: the action must be one the audits name (the security checks'
and the cost rules' fixes, not any registry action), its parameters must validate against the
registry, its place must be one the accounts file lists, and the action's own read-only
preflight must still find something to fix (a finding fixed since the summary is refused).
Then it is the usual proposal (``bot.respond.proposals.propose``): the same action, parameters
and place proposed twice is one request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.errors import UserError
from bot.posture.pricing import CostRules
from bot.posture.security import PRIMITIVE_FIXES
from bot.remediate.models import Place, PreflightFailed
from bot.remediate.registry import validate
from bot.remediate.service import Proposal
from bot.respond.approvals import Desk
from bot.respond.proposals import propose
from bot.tables import ReportRow

#: the registry actions the security checks name (network, buckets, IAM, Kubernetes)
SECURITY_FIX_ACTIONS = frozenset(
    {"ec2.revoke_ingress", "s3.block_public_access", "iam.deactivate_access_key",
     "k8s.set_resources"} | {action for action, _ in PRIMITIVE_FIXES.values()}
)  # fmt: skip


def audit_fix_actions(rules: CostRules) -> frozenset[str]:
    """Every action an audit finding may name: the security checks' and the cost rules'."""
    cost = {fix.action for fix in rules.fixes.values() if fix.action}
    return SECURITY_FIX_ACTIONS | cost


@dataclass(frozen=True)
class FixOffer:
    """One finding's fix as a summary offers it."""

    label: str  # the finding, as the summary names it
    action: str
    params: dict[str, str] = field(default_factory=dict)
    account: str | None = None
    region: str | None = None


def param_words(words: str) -> dict[str, str]:
    """``key=value`` words (a report's ``fix_params``) as a mapping; a bad word is refused."""
    out: dict[str, str] = {}
    for word in words.split():
        key, eq, value = word.partition("=")
        if not eq or not key:
            raise UserError(f"{word!r} is not key=value", hint="e.g. group=sg-0abc port=22")
        out[key] = value
    return out


def offers(rows: Iterable[ReportRow], *, per_section: int, limit: int) -> list[FixOffer]:
    """The fixes of the findings a summary shows (the first ``per_section`` rows of each
    section, in the report's order), at most ``limit``."""
    shown: dict[str, int] = {}
    out: list[FixOffer] = []
    for row in rows:
        seen = shown.get(row.section, 0)
        shown[row.section] = seen + 1
        if seen >= per_section or not row.fix_action:
            continue
        out.append(FixOffer(
            label=row.summary, action=row.fix_action, params=param_words(row.fix_params),
            account=row.account or None, region=row.region or None,
        ))  # fmt: skip
        if len(out) >= limit:
            break
    return out


def place_of(fleet: Any, account: str | None, region: str | None) -> Place | None:
    """The place an account's fix runs in (None: the bot's home); a place the accounts file
    does not list is a ``UserError`` before anything is stored."""
    if account is None:
        if region is not None:
            raise UserError("a region goes with an account (the bot's own region is AWS_REGION)")
        return None
    if fleet is None:
        raise UserError("a fix in another account needs the accounts file",
                        hint="set AIOPS_ACCOUNTS_FILE (docs/accounts.md)")  # fmt: skip
    _, where = fleet.fixing(account, region or "global")
    return Place(account, where)


def propose_fix(
    desk: Desk,
    fleet: Any,
    offer: FixOffer,
    *,
    allowed: frozenset[str],
    requested_by: str,
    rationale: str = "an audit finding's fix",
) -> Proposal:
    """Propose ``offer`` once it is checked (see the module's docstring)."""
    if offer.action not in allowed:
        raise UserError(
            f"`{offer.action}` is not a fix any audit finding names",
            hint="run the audit again and use its button",
        )
    spec, typed = validate(offer.action, dict(offer.params))
    place = place_of(fleet, offer.account, offer.region)
    if desk.action_context is not None:
        try:
            spec.preflight(desk.action_context().at(place), typed)
        except PreflightFailed as exc:
            raise UserError(
                f"Nothing to fix: {exc.message}",
                hint="the finding is already fixed or gone; run the audit again",
            ) from None
    return propose(
        desk, action=offer.action, params=dict(offer.params), requested_by=requested_by,
        rationale=rationale, place=place,
    )  # fmt: skip
