"""What the local PagerDuty account holds: users, schedules, policies, incidents, and the rules.

Pure state and PagerDuty's semantics (Events v2 dedup, incident status changes, the JSON shapes
of the REST API and of v3 webhooks), no sockets. ``pagerduty_server`` puts HTTP in front of it.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import Clock, SystemClock

JsonDict = dict[str, Any]


class PdApiError(Exception):
    def __init__(self, status: int, body: JsonDict) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PdIncidentRecord:
    id: str
    number: int
    incident_key: str
    title: str
    service_id: str
    policy_id: str
    created_at: datetime
    status: str = "triggered"
    alert_count: int = 1
    assignees: list[str] = field(default_factory=list)
    acknowledged_by: str | None = None
    notes: list[JsonDict] = field(default_factory=list)
    log: list[tuple[datetime, str, str]] = field(default_factory=list)  # at, type, agent


@dataclass
class Schedule:
    id: str
    name: str
    users: list[str]  # the first one is on call now


@dataclass
class Policy:
    id: str
    name: str
    rules: list[tuple[int, list[str]]]  # (delay minutes, target ids: users P…/schedules S…)
    loops: int = 0


class PagerDutyState:
    """One account with one service. Thread-safe; every method is atomic."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        service_name: str = "aiops sandbox",
        trigger_webhooks: bool = False,
    ) -> None:
        self.clock = clock or SystemClock()
        self.service_name = service_name  # the summary of the account's one service
        self.trigger_webhooks = trigger_webhooks  # also send incident.triggered (as PagerDuty does)
        self.lock = threading.RLock()
        self.users: dict[str, JsonDict] = {}
        self.schedules: dict[str, Schedule] = {}
        self.policies: dict[str, Policy] = {}
        self.incidents: dict[str, PdIncidentRecord] = {}
        self.events: list[JsonDict] = []  # every accepted Events API body, in order
        self.service_id = "PSVC001"
        self._ids = itertools.count(1)
        self._numbers = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # ------------------------------------------------------------------ seeding
    def add_user(self, name: str, email: str) -> str:
        with self.lock:
            uid = self._id("PU")
            self.users[uid] = {"id": uid, "type": "user", "name": name, "email": email}
            return uid

    def add_schedule(self, name: str, users: list[str]) -> str:
        with self.lock:
            sid = self._id("PS")
            self.schedules[sid] = Schedule(sid, name, list(users))
            return sid

    def add_policy(self, name: str, rules: list[tuple[int, list[str]]], loops: int = 0) -> str:
        with self.lock:
            pid = self._id("PP")
            self.policies[pid] = Policy(pid, name, rules, loops)
            return pid

    # ------------------------------------------------------------------ helpers
    def _ref(self, kind: str, oid: str, summary: str) -> JsonDict:
        return {"id": oid, "type": f"{kind}_reference", "summary": summary, "self": None}

    def _user_ref(self, uid: str) -> JsonDict:
        return self._ref("user", uid, self.users.get(uid, {}).get("name", uid))

    def _target_users(self, target: str) -> list[str]:
        if target in self.schedules:
            return self.schedules[target].users[:1]
        return [target] if target in self.users else []

    def _first_level_users(self, policy_id: str) -> list[str]:
        policy = self.policies.get(policy_id)
        if not policy or not policy.rules:
            return []
        return [u for t in policy.rules[0][1] for u in self._target_users(t)]

    def by_key(self, dedup_key: str, *, open_only: bool = False) -> PdIncidentRecord | None:
        with self.lock:
            found = [i for i in self.incidents.values() if i.incident_key == dedup_key]
            if open_only:
                found = [i for i in found if i.status != "resolved"]
            return found[-1] if found else None

    # ------------------------------------------------------------------ Events API v2
    def enqueue(self, body: JsonDict, routing_key: str) -> tuple[JsonDict, list[JsonDict]]:
        """Apply one event; returns the 202 body and the webhook events it caused."""
        action = body.get("event_action")
        if body.get("routing_key") != routing_key:
            raise PdApiError(400, _invalid("Invalid routing key"))
        if action not in ("trigger", "acknowledge", "resolve"):
            raise PdApiError(400, _invalid("'event_action' is invalid"))
        key = body.get("dedup_key")
        with self.lock:
            if action == "trigger":
                payload = body.get("payload") or {}
                missing = [k for k in ("summary", "source", "severity") if not payload.get(k)]
                if missing:
                    raise PdApiError(400, _invalid(f"'payload.{missing[0]}' is missing"))
                key = str(key or self._id("K"))
                self.events.append(dict(body, dedup_key=key))
                open_incident = self.by_key(key, open_only=True)
                if open_incident:
                    open_incident.alert_count += 1
                    return _accepted(key), []
                opened = self._open(key, str(payload["summary"]))
                if not self.trigger_webhooks:
                    return _accepted(key), []
                return _accepted(key), [self.webhook_event(opened, "incident.triggered", None)]
            if not key:
                raise PdApiError(400, _invalid("'dedup_key' is missing"))
            self.events.append(dict(body))
            incident = self.by_key(str(key), open_only=True)
            if incident is None:
                return _accepted(str(key)), []
            status = "acknowledged" if action == "acknowledge" else "resolved"
            return _accepted(str(key)), self._set_status(incident, status, None)

    def _open(self, key: str, title: str) -> PdIncidentRecord:
        policy_id = next(iter(self.policies), "")
        incident = PdIncidentRecord(
            id=self._id("Q"),
            number=next(self._numbers),
            incident_key=key,
            title=title,
            service_id=self.service_id,
            policy_id=policy_id,
            created_at=self.clock.now(),
            assignees=self._first_level_users(policy_id),
        )
        incident.log.append((incident.created_at, "trigger", "events_api"))
        self.incidents[incident.id] = incident
        return incident

    def _set_status(
        self, incident: PdIncidentRecord, status: str, user_id: str | None
    ) -> list[JsonDict]:
        order = {"triggered": 0, "acknowledged": 1, "resolved": 2}
        if order[status] <= order[incident.status]:
            return []  # PagerDuty ignores a step back or a repeat: no webhook either
        incident.status = status
        if status == "acknowledged":
            incident.acknowledged_by = user_id
        incident.log.append((self.clock.now(), status, user_id or "events_api"))
        return [self.webhook_event(incident, f"incident.{status}", user_id)]

    # ------------------------------------------------------------------ REST API
    def incident_json(self, incident: PdIncidentRecord) -> JsonDict:
        return {
            "id": incident.id,
            "type": "incident",
            "incident_number": incident.number,
            "title": incident.title,
            "summary": incident.title,
            "status": incident.status,
            "incident_key": incident.incident_key,
            "created_at": _iso(incident.created_at),
            "urgency": "high",
            "service": self._ref("service", incident.service_id, self.service_name),
            "escalation_policy": self._ref("escalation_policy", incident.policy_id, ""),
            "assignments": [
                {"at": _iso(incident.created_at), "assignee": self._user_ref(u)}
                for u in incident.assignees
            ],
            "acknowledgements": (
                [{"acknowledger": self._user_ref(incident.acknowledged_by)}]
                if incident.acknowledged_by
                else []
            ),
            "alert_counts": {"all": incident.alert_count},
        }

    def list_incidents(self, incident_key: str | None, statuses: list[str]) -> list[JsonDict]:
        with self.lock:
            return [
                self.incident_json(i)
                for i in self.incidents.values()
                if (incident_key is None or i.incident_key == incident_key)
                and (not statuses or i.status in statuses)
            ]

    def update_incidents(
        self, changes: list[JsonDict], from_email: str
    ) -> tuple[list[JsonDict], list[JsonDict]]:
        """``PUT /incidents``: status and/or assignments; returns (incidents, webhook events)."""
        actor = next((u["id"] for u in self.users.values() if u["email"] == from_email), None)
        if actor is None:
            raise PdApiError(400, _error(2001, "Invalid Input Provided", "From is not a user"))
        out, hooks = [], []
        with self.lock:
            for change in changes:
                incident = self.incidents.get(str(change.get("id")))
                if incident is None:
                    raise PdApiError(404, _error(2100, "Not Found", f"incident {change.get('id')}"))
                if "assignments" in change:
                    ids = [a.get("assignee", {}).get("id") for a in change["assignments"]]
                    unknown = [i for i in ids if i not in self.users]
                    if unknown:
                        raise PdApiError(400, _error(2001, "Invalid Input", f"user {unknown[0]}"))
                    incident.assignees = [str(i) for i in ids]
                    incident.log.append((self.clock.now(), "assign", actor))
                status = change.get("status")
                if status in ("acknowledged", "resolved"):
                    hooks += self._set_status(incident, status, actor)
                out.append(self.incident_json(incident))
        return out, hooks

    def add_note(self, incident_id: str, content: str, from_email: str) -> JsonDict:
        """``POST /incidents/{id}/notes``: the note as PagerDuty returns it."""
        actor = next((u["id"] for u in self.users.values() if u["email"] == from_email), None)
        if actor is None:
            raise PdApiError(400, _error(2001, "Invalid Input Provided", "From is not a user"))
        if not content.strip():
            raise PdApiError(400, _error(2001, "Invalid Input Provided", "content is empty"))
        with self.lock:
            incident = self.incidents.get(incident_id)
            if incident is None:
                raise PdApiError(404, _error(2100, "Not Found", f"incident {incident_id}"))
            note = {
                "id": self._id("N"),
                "user": self._user_ref(actor),
                "channel": {"summary": "The PagerDuty REST API"},
                "content": content,
                "created_at": _iso(self.clock.now()),
            }
            incident.notes.append(note)
            incident.log.append((self.clock.now(), "annotate", actor))
            return note

    def notes_of(self, incident_id: str) -> list[JsonDict]:
        with self.lock:
            incident = self.incidents.get(incident_id)
            if incident is None:
                raise PdApiError(404, _error(2100, "Not Found", f"incident {incident_id}"))
            return list(incident.notes)

    def user_json(self, uid: str) -> JsonDict:
        return dict(self.users[uid], summary=self.users[uid]["name"])

    def oncalls(self, schedule_ids: list[str], policy_ids: list[str]) -> list[JsonDict]:
        now = self.clock.now()
        out = []
        with self.lock:
            for policy in self.policies.values():
                if policy_ids and policy.id not in policy_ids:
                    continue
                for level, (_delay, targets) in enumerate(policy.rules, start=1):
                    for target in targets:
                        schedule = self.schedules.get(target)
                        if schedule_ids and (schedule is None or schedule.id not in schedule_ids):
                            continue
                        for uid in self._target_users(target):
                            out.append(
                                {
                                    "user": self.user_json(uid),
                                    "schedule": (
                                        self._ref("schedule", schedule.id, schedule.name)
                                        if schedule
                                        else None
                                    ),
                                    "escalation_policy": self._ref(
                                        "escalation_policy", policy.id, policy.name
                                    ),
                                    "escalation_level": level,
                                    "start": _iso(now - timedelta(hours=1)) if schedule else None,
                                    "end": _iso(now + timedelta(hours=23)) if schedule else None,
                                }
                            )
        return out

    def policy_json(self, policy: Policy) -> JsonDict:
        def target(t: str) -> JsonDict:
            if t in self.schedules:
                return self._ref("schedule", t, self.schedules[t].name)
            return self._user_ref(t)

        return {
            "id": policy.id,
            "type": "escalation_policy",
            "name": policy.name,
            "num_loops": policy.loops,
            "escalation_rules": [
                {
                    "id": f"R{n}",
                    "escalation_delay_in_minutes": d,
                    "targets": [target(t) for t in ts],
                }
                for n, (d, ts) in enumerate(policy.rules)
            ],
        }

    # ------------------------------------------------------------------ webhooks v3
    def webhook_event(self, incident: PdIncidentRecord, kind: str, user: str | None) -> JsonDict:
        agent = (
            self._user_ref(user)
            if user
            else self._ref("service", incident.service_id, self.service_name)
        )
        return {
            "event": {
                "id": self._id("E"),
                "event_type": kind,
                "resource_type": "incident",
                "occurred_at": _iso(self.clock.now()),
                "agent": agent,
                "client": None,
                "data": {
                    k: v
                    for k, v in self.incident_json(incident).items()
                    if k not in ("acknowledgements", "alert_counts")
                },
            }
        }

    def act_on_pagerduty(self, dedup_key: str, status: str, user_id: str | None) -> list[JsonDict]:
        """A person acks/resolves in the PagerDuty app; returns the webhook events."""
        with self.lock:
            incident = self.by_key(dedup_key, open_only=True)
            if incident is None:
                raise KeyError(f"no open PagerDuty incident with dedup key {dedup_key!r}")
            user = user_id or (incident.assignees[0] if incident.assignees else None)
            return self._set_status(incident, status, user)


def _accepted(key: str) -> JsonDict:
    return {"status": "success", "message": "Event processed", "dedup_key": key}


def _invalid(reason: str) -> JsonDict:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": [reason]}


def _error(code: int, message: str, detail: str) -> JsonDict:
    return {"error": {"code": code, "message": message, "errors": [detail]}}
