"""PagerDuty through ``pdpyras``: Events API v2 and the REST calls paging needs, typed in and out.

Why pdpyras and not its successor ``pagerduty`` (python-pagerduty 7): pdpyras is what the project
pins, it accepts plain ``http://`` base URLs (so the local PagerDuty server needs no TLS), and its
API (``EventsAPISession``/``APISession``) maps one-to-one to the successor's, so moving later is
a rename of the two session factories below.

The sessions are built by the caller (``events_session`` / ``rest_session``) and passed in. Both
sessions are configured to fail fast: no built-in retry loops (pdpyras would otherwise retry 429
forever), because the caller owns the single retry policy. Failures raise ``PagerDutyError`` with
``transient`` telling whether a retry may help (5xx, 429, network) or not (4xx, bad token).
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from dataclasses import dataclass, field
from typing import Any

with warnings.catch_warnings():  # pdpyras warns on import that it is deprecated (see above)
    warnings.simplefilter("ignore")
    import pdpyras

# A negative retry count other than -1 makes pdpyras return the response at once instead of
# looping (0 would fall through to its unbounded 429 loop).
_RETURN_AT_ONCE = -2


class PagerDutyError(Exception):
    """A PagerDuty call failed. ``status`` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, *, status: int | None, transient: bool) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient


@dataclass(frozen=True)
class PdUser:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class OnCall:
    user: PdUser
    escalation_policy_id: str
    escalation_policy_name: str
    level: int
    schedule_id: str | None = None
    schedule_name: str | None = None
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class PdTarget:
    kind: str  # user | schedule
    id: str
    name: str


@dataclass(frozen=True)
class PdRule:
    delay_minutes: int
    targets: list[PdTarget]


@dataclass(frozen=True)
class PdEscalationPolicy:
    id: str
    name: str
    rules: list[PdRule]
    loops: int = 0


@dataclass(frozen=True)
class PdIncident:
    id: str
    status: str  # triggered | acknowledged | resolved
    incident_key: str | None
    title: str
    assignees: list[str] = field(default_factory=list)


def _quiet(session: pdpyras.PDSession, timeout: float) -> None:
    session.retry = {status: _RETURN_AT_ONCE for status in (429, 500, 502, 503, 504)}
    session.max_network_attempts = 0
    session.timeout = timeout


def events_session(
    routing_key: str, *, base_url: str = "https://events.pagerduty.com", timeout: float = 10.0
) -> pdpyras.EventsAPISession:
    """An Events API v2 session for one integration (routing) key."""
    session = pdpyras.EventsAPISession(routing_key)
    session.url = base_url.rstrip("/")
    _quiet(session, timeout)
    return session


def rest_session(
    token: str,
    *,
    base_url: str = "https://api.pagerduty.com",
    default_from: str | None = None,
    timeout: float = 10.0,
) -> pdpyras.APISession:
    """A REST API session; ``default_from`` is the email sent as ``From`` on writes."""
    session = pdpyras.APISession(token, default_from=default_from)
    session.url = base_url.rstrip("/")
    _quiet(session, timeout)
    return session


def _error(exc: Exception, what: str) -> PagerDutyError:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is None:
        return PagerDutyError(f"PagerDuty {what}: no answer ({exc})", status=None, transient=True)
    transient = status == 429 or status >= 500
    return PagerDutyError(f"PagerDuty {what}: HTTP {status}", status=status, transient=transient)


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (pdpyras.PDClientError, pdpyras.URLError) as exc:
        raise _error(exc, what) from exc


# ------------------------------------------------------------------ Events API v2
def trigger(
    session: pdpyras.EventsAPISession,
    *,
    dedup_key: str,
    summary: str,
    source: str,
    severity: str = "critical",
    custom_details: dict[str, Any] | None = None,
    links: list[dict[str, str]] | None = None,
) -> str:
    """Trigger (or add to) the PagerDuty incident of ``dedup_key``; returns the dedup key."""
    if severity not in ("critical", "error", "warning", "info"):
        severity = "critical"
    return str(
        _call(
            "trigger",
            session.trigger,
            summary[:1024],
            source,
            dedup_key=dedup_key,
            severity=severity,
            custom_details=custom_details,
            links=links,
        )
    )


def acknowledge_event(session: pdpyras.EventsAPISession, dedup_key: str) -> str:
    return str(_call("acknowledge", session.acknowledge, dedup_key))


def resolve_event(session: pdpyras.EventsAPISession, dedup_key: str) -> str:
    return str(_call("resolve", session.resolve, dedup_key))


# ------------------------------------------------------------------ REST API
def _user(raw: dict[str, Any]) -> PdUser:
    return PdUser(
        id=str(raw.get("id", "")),
        name=str(raw.get("name") or raw.get("summary") or ""),
        email=str(raw.get("email", "")),
    )


def list_users(session: pdpyras.APISession) -> list[PdUser]:
    return [_user(u) for u in _call("list users", session.list_all, "users")]


def get_user(session: pdpyras.APISession, user_id: str) -> PdUser:
    return _user(_call("get user", session.rget, f"users/{user_id}"))


def list_oncalls(
    session: pdpyras.APISession,
    *,
    schedule_ids: list[str] | None = None,
    escalation_policy_ids: list[str] | None = None,
) -> list[OnCall]:
    """Who is on call now (optionally for some schedules / escalation policies)."""
    params: dict[str, Any] = {"include[]": ["users"]}
    if schedule_ids:
        params["schedule_ids[]"] = schedule_ids
    if escalation_policy_ids:
        params["escalation_policy_ids[]"] = escalation_policy_ids
    out: list[OnCall] = []
    for raw in _call("list on-calls", session.list_all, "oncalls", params=params):
        schedule = raw.get("schedule") or {}
        policy = raw.get("escalation_policy") or {}
        out.append(
            OnCall(
                user=_user(raw.get("user") or {}),
                escalation_policy_id=str(policy.get("id", "")),
                escalation_policy_name=str(policy.get("summary", "")),
                level=int(raw.get("escalation_level", 1)),
                schedule_id=schedule.get("id"),
                schedule_name=schedule.get("summary"),
                start=raw.get("start"),
                end=raw.get("end"),
            )
        )
    return out


def list_escalation_policies(session: pdpyras.APISession) -> list[PdEscalationPolicy]:
    out: list[PdEscalationPolicy] = []
    for raw in _call("list escalation policies", session.list_all, "escalation_policies"):
        rules = [
            PdRule(
                delay_minutes=int(rule.get("escalation_delay_in_minutes", 0)),
                targets=[
                    PdTarget(
                        kind=str(t.get("type", "")).removesuffix("_reference"),
                        id=str(t.get("id", "")),
                        name=str(t.get("summary", "")),
                    )
                    for t in rule.get("targets", [])
                ],
            )
            for rule in raw.get("escalation_rules", [])
        ]
        out.append(
            PdEscalationPolicy(
                id=str(raw["id"]),
                name=str(raw.get("name", "")),
                rules=rules,
                loops=int(raw.get("num_loops", 0)),
            )
        )
    return out


def _incident(raw: dict[str, Any]) -> PdIncident:
    return PdIncident(
        id=str(raw["id"]),
        status=str(raw.get("status", "")),
        incident_key=raw.get("incident_key"),
        title=str(raw.get("title", "")),
        assignees=[
            str((a.get("assignee") or {}).get("id", "")) for a in raw.get("assignments", [])
        ],
    )


def find_incident(session: pdpyras.APISession, dedup_key: str) -> PdIncident | None:
    """The open or closed PagerDuty incident of an Events API dedup key, if any."""
    params = {"incident_key": dedup_key, "statuses[]": ["triggered", "acknowledged", "resolved"]}
    found = _call("find incident", session.rget, "incidents", params=params)
    return _incident(found[0]) if found else None


def _update_incidents(
    session: pdpyras.APISession, changes: list[dict[str, Any]], from_email: str | None
) -> list[PdIncident]:
    headers = {"From": from_email} if from_email else {}
    body = {"incidents": changes}
    updated = _call("update incidents", session.rput, "incidents", json=body, headers=headers)
    return [_incident(raw) for raw in updated]


def acknowledge_incidents(
    session: pdpyras.APISession, incident_ids: list[str], *, from_email: str | None = None
) -> list[PdIncident]:
    """``PUT /incidents``: acknowledge these incidents as the user with ``from_email``."""
    changes = [
        {"id": i, "type": "incident_reference", "status": "acknowledged"} for i in incident_ids
    ]
    return _update_incidents(session, changes, from_email)


def reassign_incident(
    session: pdpyras.APISession,
    incident_id: str,
    user_ids: list[str],
    *,
    from_email: str | None = None,
) -> PdIncident:
    """Assign the incident to these users: PagerDuty notifies them (a page)."""
    change = {
        "id": incident_id,
        "type": "incident_reference",
        "assignments": [{"assignee": {"id": u, "type": "user_reference"}} for u in user_ids],
    }
    return _update_incidents(session, [change], from_email)[0]


@dataclass(frozen=True)
class PdNote:
    id: str
    content: str
    created_at: str | None = None


def add_note(
    session: pdpyras.APISession, incident_id: str, content: str, *, from_email: str | None = None
) -> PdNote:
    """``POST /incidents/{id}/notes``: a note on the incident's timeline (``From``: the author)."""
    headers = {"From": from_email} if from_email else {}
    body = {"note": {"content": content[:25000]}}  # PagerDuty's limit on a note
    raw = _call("add note", session.rpost, f"incidents/{incident_id}/notes", json=body,
                headers=headers)  # fmt: skip
    return PdNote(str(raw.get("id", "")), str(raw.get("content", "")), raw.get("created_at"))


def list_notes(session: pdpyras.APISession, incident_id: str) -> list[PdNote]:
    raw = _call("list notes", session.rget, f"incidents/{incident_id}/notes")
    return [PdNote(str(n.get("id", "")), str(n.get("content", "")), n.get("created_at"))
            for n in raw]  # fmt: skip


# ------------------------------------------------------------------ webhooks v3
def webhook_signature(body: bytes, secret: str) -> str:
    """The ``X-PagerDuty-Signature`` value PagerDuty sends for ``body`` signed with ``secret``."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(body: bytes, header: str | None, secrets: list[str]) -> bool:
    """True when any signature in the header matches any secret (rotation sends several)."""
    if not header or not secrets:
        return False
    offered = [s.strip() for s in header.split(",") if s.strip()]
    return any(
        hmac.compare_digest(webhook_signature(body, secret), sig)
        for secret in secrets
        for sig in offered
    )
