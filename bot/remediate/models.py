"""What a remediation action is: an ``ActionSpec`` — a name (``k8s.rollback_deployment``), a
pydantic params model (validated; unknown or wrong-typed params are refused), a risk level, and
four functions: ``preflight`` (target exists, state allows it; returns the *before* snapshot),
``execute`` (returns the *after* snapshot), ``verify`` (optional action-specific health check) and
``undo`` (restore *before*) — and the ``ActionContext`` of clients it runs with. Nothing here
builds a shell string; parameters reach typed client calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.clock import Clock, SystemClock
from bot.errors import UserError
from bot.remediate.enums import Risk

Snapshot = dict[str, Any]


class Params(BaseModel):
    """Base for every action's parameters: unknown keys are errors; a number given for a text
    parameter (an id rendered from evidence) is taken as its text."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class PreflightFailed(UserError):
    """The target does not exist or its state does not allow the action; nothing was run."""


@dataclass(frozen=True)
class Place:
    """Where an AWS action runs when it is not the bot's home: an account of the accounts file
    (its name or id) and a region (``global``: the account's first region). Kept in the
    request's ``result["place"]``, so the approval runs the action there and nowhere else."""

    account: str
    region: str

    def as_json(self) -> dict[str, str]:
        return {"account": self.account, "region": self.region}

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> Place | None:
        if not raw or not raw.get("account"):
            return None
        return cls(str(raw["account"]), str(raw.get("region") or "global"))

    def __str__(self) -> str:
        return f"account {self.account} ({self.region})"


#: (account, region) -> that place's ``service -> boto3 client`` (its role assumed)
Places = Callable[[str, str], Callable[[str], Any]]


@dataclass
class ActionContext:
    """The clients an action may use, injected by whoever runs it (production or sandbox)."""

    aws: Callable[[str], Any] | None = None  # service name -> boto3 client
    k8s: Any = None  # kubernetes.client.ApiClient
    clock: Clock = field(default_factory=SystemClock)
    id_refs: dict[str, str] = field(default_factory=dict)  # scenario id_ref -> real id
    # Called after a successful execute/undo: the sandbox uses it to make the world react.
    on_executed: Callable[[str, dict[str, Any]], None] | None = None
    runbooks: dict[str, Any] = field(default_factory=dict)
    # the clients of another account and region, for a request that names its ``Place``
    places: Places | None = None

    def client(self, service: str) -> Any:
        if self.aws is None:
            raise PreflightFailed(f"AWS is not configured, so {service} actions cannot run")
        return self.aws(service)

    def real_id(self, ref: str) -> str:
        return self.id_refs.get(ref, ref)

    def at(self, place: Place | None) -> ActionContext:
        """This context acting in ``place`` (itself when None): its AWS clients are that
        account's and region's; a place it cannot reach is ``PreflightFailed``."""
        if place is None:
            return self
        if self.places is None:
            raise PreflightFailed(
                f"the request acts in {place}, but this bot reads no accounts file",
                hint="set AIOPS_ACCOUNTS_FILE (docs/accounts.md)",
            )
        return replace(self, aws=self.places(place.account, place.region))


NO_SIGNAL = (
    "the action completed, but nothing confirmed it worked: no metric was captured when it was "
    "proposed and the action has no check of its own — check the target by hand"
)


@dataclass(frozen=True)
class VerifyOutcome:
    recovered: bool
    detail: str
    # False when nothing was read at all (no metric captured, no check of the action's own):
    # the request ends ``unverified`` — neither a success nor a failure, and nothing is undone
    checked: bool = True

    @classmethod
    def unchecked(cls, detail: str) -> VerifyOutcome:
        return cls(False, detail, checked=False)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: type[Params]
    risk: Risk
    summary: str
    preflight: Callable[[ActionContext, Any], Snapshot]
    execute: Callable[[ActionContext, Any, Snapshot], Snapshot]
    undo: Callable[[ActionContext, Any, Snapshot], Snapshot] | None = None
    verify: Callable[[ActionContext, Any, Snapshot], VerifyOutcome] | None = None

    def validate(self, params: dict[str, Any]) -> Params:
        """Typed params, or a ``UserError`` that names each bad parameter."""
        try:
            return self.params.model_validate(params)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "params"
                problems.append(f"{where}: {err['msg']}")
            raise UserError(f"{self.name}: invalid parameters: " + "; ".join(problems)) from None

    def describe(self, params: Params) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in params.model_dump().items())
        return f"{self.name}({args})"


Lookup = Callable[[str], ActionSpec]  # action name -> spec (``registry.get``)
