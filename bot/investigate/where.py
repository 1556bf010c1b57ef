"""Which AWS account and region an investigation reads: the one point where it is chosen.

Without a fleet (``AIOPS_ACCOUNTS_FILE`` unset) nothing changes: the configured clients are
read. With one (``InvestigationContext.fleet``), the first of these that names an account wins:

1. what was asked (``aiops investigate --account prod --region eu-west-1``,
   ``/aiops investigate "…" account=prod``): an account the file does not list is a
   ``UserError`` naming the ones it does;
2. the incident's alerts, root alert first: an account label (``account``, ``account_id``,
   ``aws_account_id``…) by name or id, a region label, or an ARN in any label (it names both);
3. the question's names: a name-like word that is the name or id of a resource found in exactly
   one account's inventory.

Otherwise the home clients are read, as without a fleet. The chosen account's clients replace
the evidence's (``LiveEvidence.in_account``), so every source reads there; a role STS refuses is
a ``UserError``. The result names the account and region (a first fact, ``account`` /
``region``), and the actions a registry entry would run in AWS are withheld when the account is
not the bot's own in its home region: they would run with the wrong credentials (the
remediation context is the home account's), so they become a next step that says why.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.errors import AiopsError, UserError
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import InvestigationContext
from bot.investigate.models import Fact, InvestigationResult
from bot.investigate.names import name_words, resolve_names
from bot.topology import ServiceNode, Topology

if TYPE_CHECKING:  # boto3 loads only when a fleet is used (``aiops --help`` stays fast)
    from bot.accounts.service import Fleet
    from integrations.aws.accounts import AccountTarget
    from integrations.aws.inventory import Resource

log = logging.getLogger(__name__)

#: alert labels that name an account (by the name in accounts.yaml or the 12-digit id)
ACCOUNT_LABELS = ("account", "account_id", "aws_account_id", "awsaccountid", "account_name")
REGION_LABELS = ("region", "aws_region")
_ARN = re.compile(r"\barn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d)?:(\d{12})?:")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
#: the inventory types a question's names are looked up in
LOOKUP_TYPES = ("ec2", "rds", "buckets", "lambdas", "ecs", "load_balancers", "security_groups")
#: inventory type → the service-graph kind a resource of it is investigated as
NODE_KINDS = {"ec2": "ec2", "rds": "rds", "buckets": "s3", "lambdas": "lambda",
              "ecs": "ecs_service", "load_balancers": "alb"}  # fmt: skip
#: registry actions that do not act in an AWS account (the configured Kubernetes cluster)
ACCOUNT_FREE = ("k8s.",)
SOURCE = "accounts"


@dataclass(frozen=True)
class Asked:
    """A question and, when the person named them, the account and region to read."""

    query: str
    account: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Where:
    """The account and region an investigation read, and why those."""

    account: str
    region: str
    account_id: str | None
    reason: str
    own: bool  # the bot's own credentials in its home region: registry actions act here

    @property
    def label(self) -> str:
        who = f"{self.account} ({self.account_id})" if self.account_id else self.account
        return f"AWS account {who}, region {self.region}"


@dataclass
class Placement:
    ctx: InvestigationContext
    where: Where | None = None
    notes: list[str] = field(default_factory=list)

    def applied(self, result: InvestigationResult) -> InvestigationResult:
        """The result naming its account and region, without actions it cannot run there."""
        facts = [Fact(text=n, source=SOURCE) for n in self.notes]
        if self.where is None:
            return result.model_copy(update={"facts": facts + result.facts}) if facts else result
        w = self.where
        facts.insert(0, Fact(text=f"Read {w.label} ({w.reason}).", source=SOURCE))
        kept, refused = [], []
        for action in result.actions:
            if w.own or action.action.startswith(ACCOUNT_FREE):
                kept.append(action)
            else:
                refused.append(
                    f"{action.action} {_params(action.params)} was not proposed: actions in "
                    f"account {w.account} ({w.region}) need a write role there, see "
                    "docs/accounts.md"
                )
        return result.model_copy(
            update={
                "facts": facts + result.facts,
                "actions": kept,
                "next_steps": result.next_steps + refused,
                "account": w.account,
                "region": w.region,
            }
        )


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def place(
    ctx: InvestigationContext, *, query: str, incident: InvestigationTarget | None
) -> Placement:
    """The context reading the chosen account and region (unchanged when none is chosen)."""
    fleet: Fleet | None = ctx.fleet
    if fleet is None:
        if ctx.account or ctx.region:
            raise UserError(
                "naming an account or region needs the accounts file",
                hint="set AIOPS_ACCOUNTS_FILE (see docs/accounts.md)",
            )
        return Placement(ctx)
    notes: list[str] = []
    chosen = _asked(fleet, ctx.account, ctx.region) or _from_alerts(fleet, _alerts(incident), notes)
    topology = None
    if chosen is None and incident is None:
        named = _from_names(fleet, ctx, query, notes)
        if named is not None:
            chosen, node = named
            if node is not None and node.name not in ctx.topology:
                topology = Topology([*ctx.topology.services.values(), node])
    if chosen is None:
        return Placement(ctx, None, notes)
    target, region, reason = chosen
    home = fleet.sessions.base.region_name
    where = Where(target.name, region, target.account_id, reason,
                  own=target.role_arn is None and region == home)  # fmt: skip
    log.info("investigation reads %s (%s)", where.label, reason)
    evidence = _evidence_in(ctx, fleet, target, region, topology)
    return Placement(replace(ctx, evidence=evidence, topology=topology or ctx.topology), where,
                     notes)  # fmt: skip


def _evidence_in(
    ctx: InvestigationContext,
    fleet: Fleet,
    target: AccountTarget,
    region: str,
    topology: Topology | None,
) -> Any:
    from integrations.aws.accounts import RoleNotAssumed

    moved = getattr(ctx.evidence, "in_account", None)
    if moved is None:
        raise UserError("this investigation's evidence cannot read another account")
    try:
        clients = fleet.sessions.clients(target, region)
    except RoleNotAssumed as exc:
        raise UserError(
            f"account {target.name} could not be read: {exc}",
            hint="check the role and its trust policy (docs/accounts.md)",
        ) from None
    return moved(clients, topology)


def _alerts(incident: InvestigationTarget | None) -> list[AlertView]:
    if incident is None:
        return []
    root = [incident.root_alert] if incident.root_alert is not None else []
    return root + [a for a in incident.alerts if a is not incident.root_alert]


def _target(fleet: Fleet, name: str) -> AccountTarget | None:
    for t in fleet.targets:
        if name in (t.name, t.account_id):
            return t
    return None


def _region_of(target: AccountTarget, region: str | None) -> str:
    return region if region and _REGION.match(region) else target.regions[0]


def _asked(
    fleet: Fleet, account: str | None, region: str | None
) -> tuple[AccountTarget, str, str] | None:
    if region is not None and not _REGION.match(region):
        raise UserError(f"{region!r} is not an AWS region", hint="e.g. eu-west-1")
    if account is None and region is None:
        return None
    if account is None:  # a region alone: the bot's own account there
        own = [t for t in fleet.targets if t.role_arn is None]
        if not own:
            raise UserError("name the account too (account=NAME): the accounts file lists no "
                            "account read with the bot's own credentials")  # fmt: skip
        return own[0], _region_of(own[0], region), "asked"
    target = _target(fleet, account)
    if target is None:
        names = ", ".join(t.name for t in fleet.targets)
        raise UserError(f"no account {account!r} in the accounts file", hint=f"one of: {names}")
    return target, _region_of(target, region), "asked"


def _from_alerts(
    fleet: Fleet, alerts: Sequence[AlertView], notes: list[str]
) -> tuple[AccountTarget, str, str] | None:
    for alert in alerts:
        labels = {k.lower(): str(v) for k, v in alert.labels.items()}
        account = next((labels[k] for k in ACCOUNT_LABELS if labels.get(k)), None)
        region = next((labels[k] for k in REGION_LABELS if labels.get(k)), None)
        why = f"alert {alert.name}: label"
        arn = next((m for v in labels.values() if (m := _ARN.search(v))), None)
        if arn is not None:
            account = account or arn.group(2)
            region = region or arn.group(1)
        if account is None:
            continue
        target = _target(fleet, account)
        if target is None:
            notes.append(f"Alert {alert.name} names account {account}, which the accounts file "
                         "does not list; the home account was read.")  # fmt: skip
            return None
        source = "an ARN" if arn is not None and account == arn.group(2) else "its labels"
        return target, _region_of(target, region), f"{why}s: account from {source}"
    return None


def _from_names(
    fleet: Fleet, ctx: InvestigationContext, query: str, notes: list[str]
) -> tuple[tuple[AccountTarget, str, str], ServiceNode | None] | None:
    """A word of the question that is one account's resource (and none in the service graph),
    with the node that makes it a service the investigation can target."""
    known = {m.word for m in resolve_names(ctx.topology, query).matches}
    words = [w for w in name_words(query) if w not in known]
    if not words:
        return None
    found = _lookup(fleet, words)
    for word in words:
        places = found.get(word, [])
        accounts = sorted({r.account for r in places})
        if len(accounts) > 1:
            notes.append(f"{word!r} exists in accounts {', '.join(accounts)}; name one with "
                         "account=NAME to read it there.")  # fmt: skip
            continue
        target = _target(fleet, accounts[0]) if accounts else None
        if target is None:
            continue
        regions = sorted({r.region for r in places if _REGION.match(r.region)})
        region = regions[0] if len(regions) == 1 else None
        resource = places[0]
        return (target, _region_of(target, region), f"{word} is in its inventory"), _node(resource)
    return None


def _node(resource: Resource) -> ServiceNode | None:
    kind = NODE_KINDS.get(resource.kind)
    if kind is None:
        return None
    by_id = kind in ("ec2",)  # the graph names an instance by its id, the others by name
    return ServiceNode(name=resource.name, kind=kind,
                       resource=resource.id if by_id else resource.name,
                       namespace=resource.attrs.get("cluster") or None)  # fmt: skip


def _lookup(fleet: Fleet, words: Iterable[str]) -> dict[str, list[Resource]]:
    """Each word → the resources (any account or region) of that name or id."""
    from bot.inventory.ask import words_to_query
    from bot.inventory.service import InventorySources, read_all

    wanted = set(words)
    out: dict[str, list[Resource]] = {}
    sources = InventorySources(fleet=fleet)
    for kind in LOOKUP_TYPES:
        try:
            resources, _failed = read_all(words_to_query([kind]), sources)
        except AiopsError as exc:
            log.info("inventory %s not read for the account lookup: %s", kind, exc)
            continue
        for r in resources:
            for key in {r.name.lower(), r.id.lower()} & wanted:
                out.setdefault(key, []).append(r)
    return out
