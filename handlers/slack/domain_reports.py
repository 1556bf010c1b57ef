"""Reports behind the Slack services: ``/aiops capacity`` (the digest, posted on demand in the
asking channel), ``/aiops slo`` (error budgets + live SLA clocks of open incidents),
``/aiops audit security|cost|compliance|drift`` (read-only checks over the configured AWS,
posted in the channel: the top findings, the full report attached as a file when it is
long), ``/aiops inventory`` (a listing, long ones attached as a file), and the escalation
hint posted in a new warning incident's thread.

``Reports`` holds factories, so nothing connects before the first command needs it; production
builds it in ``handlers.slack.wiring``, tests hand it sandbox-world clients.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.digest.flows import DigestRunner
from bot.errors import UpstreamUnavailable, UserError
from bot.tables import ReportRow
from handlers.blocks.audit import MAX_BUTTON_VALUE, MAX_FIX_BUTTONS, FixButton, audit_summary
from handlers.blocks.ids import FixRef
from handlers.slack.capacity import capacity_service
from handlers.slack.services import Actor, AuditKind, Reply, ReplyFile

if TYPE_CHECKING:
    from bot.inventory.query import InventoryQuery
    from handlers.slack.domain import Domain

log = logging.getLogger("aiops.slack.reports")

NO_SLO_FILE = (
    "No SLOs are configured: set `AIOPS_SLO_FILE` to a slo.yaml with your SLO targets "
    "(`slos:`) and incident response targets (`slas:`); the format is in docs/capacity.md."
)


#: rows shown in the message; a longer listing or report is attached as a CSV file
INLINE_ROWS = 25
#: findings of each security-audit section shown in the message
TOP_PER_SECTION = 10


@dataclass
class Reports:
    metric_sources: Callable[[], dict[str, Any]]  # name -> MetricSource ("default", …)
    aws: Callable[[], Any]  # AwsClients
    k8s: Callable[[], Any] = lambda: None  # KubernetesApi, or None when not configured
    fleet: Callable[[], Any] = lambda: None  # bot.accounts Fleet when AIOPS_ACCOUNTS_FILE is set
    slo_file: Path | None = None
    compliance_file: Path | None = None
    prices_file: Path | None = None  # AIOPS_PRICES_FILE
    cost_rules_file: Path | None = None  # AIOPS_COST_RULES_FILE
    # Claude reading inventory questions (``bot.inventory.llm.reader``), None without a key
    questions: Callable[[], Any] = lambda: None
    digest: DigestRunner | None = None
    hint_history: timedelta = timedelta(days=90)
    hint_cache: timedelta = timedelta(minutes=10)
    _model: tuple[datetime, Any] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def escalation_model(self, db: Any, now: datetime) -> Any:
        """``learn_from_store`` over ``hint_history``, recomputed at most every ``hint_cache``."""
        from bot.predict.escalation import learn_from_store

        with self._lock:
            if self._model is None or now - self._model[0] >= self.hint_cache:
                self._model = (now, learn_from_store(db, since=now - self.hint_history))
            return self._model[1]


def _reports(domain: Domain) -> Reports:
    if domain.reports is None:
        raise UpstreamUnavailable("reports are not configured on this bot")
    reports: Reports = domain.reports
    return reports


# ---------------------------------------------------------------- services
def capacity(domain: Domain, actor: Actor) -> Reply:
    runner = _reports(domain).digest
    if runner is None:
        raise UserError("the capacity digest needs Slack", hint="run aiops run with Slack tokens")
    return capacity_service(runner)(actor)


def slo(domain: Domain, actor: Actor) -> Reply:
    from bot.slo import report
    from bot.slo.config import load_config

    r = _reports(domain)
    if r.slo_file is None:
        return Reply(NO_SLO_FILE)
    config = load_config(r.slo_file)
    sources = r.metric_sources() if config.slos else {}
    return Reply(report.status(domain.db, config, sources, domain.clock.now()))


def audit(
    domain: Domain,
    actor: Actor,
    kind: AuditKind,
    account: str | None = None,
    stack: str | None = None,
) -> Reply:
    """The audit flow's summary in the channel: the top findings, and the full report attached
    as a CSV file when the summary leaves some out. ``account``: one account of the accounts
    file, or all; ``stack``: drift's one CloudFormation stack (or an account, see
    ``flows.drift_scope``)."""
    from bot.posture import flows
    from bot.posture.report import format_rows

    if kind == "security":
        return _security(domain, actor, account)
    r = _reports(domain)
    now = domain.clock.now()
    if kind == "drift":
        fleet, stack = flows.drift_scope(r.fleet(), account, stack)
        found = flows.drift(r.aws() if fleet is None else None, fleet, stack)
    else:
        fleet = flows.accounts(r.fleet(), account)
        aws = r.aws() if fleet is None else None
        if kind == "cost":
            tables = flows.CostTables.load(r.prices_file, r.cost_rules_file)
            metrics = r.metric_sources().get("cloudwatch") if fleet is None else None
            found = flows.cost(aws, fleet, now, tables, metrics=metrics)
        else:
            found = flows.compliance(r.compliance_file, aws, r.k8s(), fleet, now, domain.db)
    attached = None
    if found.attach is not None:
        attached = ReplyFile(found.file_name, format_rows(found.rows, "csv"), found.attach)
    text = f"{found.message}\n_Asked by <@{actor.user_id}>._"
    per_section = flows.COST_LISTED if kind == "cost" else 0  # cost's listed findings
    return Reply(text, _with_fixes(text, found.rows, per_section), public=True, file=attached)


def _security(domain: Domain, actor: Actor, account: str | None) -> Reply:
    """The top findings of each section; the full report attached when some are left out."""
    from bot.posture import flows, security

    if domain.investigation_context is None:
        raise UpstreamUnavailable("AWS is not configured on this bot")
    r = domain.reports
    fleet = flows.accounts(r.fleet() if r is not None else None, account)
    aws, k8s = (r.aws(), r.k8s()) if r is not None else (None, None)
    found = flows.security(domain.investigation_context(), aws, k8s, fleet, domain.clock.now())
    text = security.render(found, max_per_section=TOP_PER_SECTION)
    attached: ReplyFile | None = None
    longest = max((len(f) for _, f in found.sections), default=0)
    if longest > TOP_PER_SECTION:  # the summary shows the top of each section
        from bot.posture.report import format_rows

        count = len(found.findings)
        attached = ReplyFile(
            "security-audit.csv",
            format_rows(flows.security_report_rows(found), "csv"),
            f"security audit: {count} findings",
        )
        text += f"\n_The full report ({count} findings) is in the attached file._"
    text += f"\n_Asked by <@{actor.user_id}>._"
    rows = flows.security_report_rows(found)
    return Reply(text, _with_fixes(text, rows, TOP_PER_SECTION), public=True, file=attached)


def _with_fixes(text: str, rows: Sequence[ReportRow], per_section: int) -> list[Any]:
    """The summary's blocks with a "Propose fix" button per shown finding a registry action
    fixes; no blocks (the plain text) when none does."""
    from bot.posture.fixes import offers

    buttons = []
    for offer in offers(rows, per_section=per_section, limit=MAX_FIX_BUTTONS):
        try:
            ref = FixRef(action=offer.action, params=offer.params, account=offer.account,
                         region=offer.region)  # fmt: skip
        except ValidationError:  # a value no button can carry: the report file still has it
            log.info("no fix button for %s %s", offer.action, offer.params)
            continue
        if len(ref.dump()) > MAX_BUTTON_VALUE:  # Slack refuses the whole message otherwise
            continue
        buttons.append(FixButton(offer.label, ref))
    return audit_summary(text, buttons) if buttons else []


def propose_fix(domain: Domain, actor: Actor, ref: FixRef) -> Reply:
    """An audit finding's "Propose fix": checked and proposed by ``bot.posture.fixes``; the
    approval request follows in the thread (or it runs, when the policy approves it)."""
    from bot.posture.fixes import FixOffer, audit_fix_actions, propose_fix
    from bot.posture.pricing import load_rules
    from bot.tables import fix_words
    from handlers.slack.domain_remediation import proposed

    r = _reports(domain)
    offer = FixOffer("", ref.action, dict(ref.params), ref.account, ref.region)
    proposal = propose_fix(
        domain.desk, r.fleet() if ref.account else None, offer,
        allowed=audit_fix_actions(load_rules(r.cost_rules_file)),
        requested_by=actor.user_id, rationale="an audit finding's fix, proposed in Slack",
    )  # fmt: skip
    req = proposal.request
    what = f"{ref.action} {fix_words(ref.params)}".strip()
    if ref.account:
        what += f" in {ref.account} {ref.region or ''}".rstrip()
    if not proposal.created:
        return Reply(f"`{what}` was already proposed: request {req.id} is {req.state}.")
    return proposed(actor, proposal, what, dict(ref.params))


# ---------------------------------------------------------------- inventory
def inventory_ask(domain: Domain, actor: Actor, question: str) -> Reply:
    """A question the rules found no type in: read by Claude when a key is set (checked by
    ``bot.inventory.llm``), saying how it was read; else the rules' answer."""
    from bot.inventory.ask import read_words

    read = read_words(question.split(), _reports(domain).questions())
    return inventory(domain, actor, read.query, note=read.note())


def inventory(
    domain: Domain, actor: Actor, query: InventoryQuery, note: str | None = None
) -> Reply:
    from bot.inventory.render import render, summary
    from bot.inventory.service import InventorySources, run

    r = _reports(domain)
    result = run(query, InventorySources(aws=r.aws(), k8s=r.k8s(), fleet=r.fleet()))
    table = render(result, "table").splitlines()
    head, rows = table[0], table[1 : 3 + INLINE_ROWS]
    more = len(result.resources) - INLINE_ROWS
    text = f"*Inventory:* {head}\n```" + "\n".join(rows) + "```" if result.resources else head
    if note:
        text = f"_{note}._\n{text}"
    attached = None
    if more > 0:
        text += f"\n_{more} more in the attached file._"
        attached = ReplyFile(
            f"inventory-{query.type.type}.csv", render(result, "csv"), summary(result)
        )
    return Reply(f"{text}\n_Asked by <@{actor.user_id}>._", public=True, file=attached)


# ---------------------------------------------------------------- escalation hint
def escalation_hint(domain: Domain, incident_id: int) -> str | None:
    """On a new warning incident that has a Slack message: how often its alert turned into a
    critical one before, posted in the thread. Returns the posted line (or None)."""
    if domain.reports is None or domain.publisher is None:
        return None
    view = domain.view(incident_id)
    if view.severity != "warning" or view.root_alert is None:
        return None
    if domain.publisher.ref_of(view) is None:  # no incident message, so no thread
        return None
    model = _reports(domain).escalation_model(domain.db, domain.clock.now())
    hint = model.hint(view.root_alert.name)
    if not hint:
        return None
    line = f":crystal_ball: From past alerts: {hint}."
    domain.note(incident_id, line)
    return line
