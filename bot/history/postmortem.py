"""The postmortem draft of one incident, in Markdown, from what the bot recorded.

``build_postmortem(db, incident_id, now=…)`` reads the incident, its alerts and timeline, its
latest investigation (the root cause with its evidence, the other hypotheses), its remediations
(what fixed it, what did not), the "this fixed it" feedback and the resolution note, and the
similar past incidents; the SLA clocks and the SLO burn come in as ``Impact`` lines when the
SLO file has them (``slo_impact``). Slack posts the draft as a file in the incident's thread;
``aiops postmortem ID [--out FILE]`` writes it. It is a draft: every section says where it
comes from, and follow-ups are suggestions a person edits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.history.models import SimilarIncident
from bot.history.service import past_incidents
from bot.incidents import service as incidents
from bot.incidents.models import TimelineLine
from bot.slo.config import SloConfig
from bot.slo.sla import IncidentTimes, clocks, fmt_duration
from bot.store import Alert, Incident, Investigation, RemediationRequest

MAX_TIMELINE = 200
MAX_EVIDENCE = 8
#: remediation states that count as "did not fix it" (tried and failed, or refused / let lapse)
DID_NOT_FIX = ("not_recovered", "rolled_back", "failed", "rejected", "expired")


@dataclass(frozen=True)
class Postmortem:
    incident_id: int
    title: str
    markdown: str

    @property
    def filename(self) -> str:
        return f"postmortem-incident-{self.incident_id}.md"


@dataclass(frozen=True)
class Record:
    """What the draft is written from."""

    incident: Incident
    alerts: list[Alert]
    timeline: list[TimelineLine]
    investigation: Investigation | None
    remediations: list[RemediationRequest]
    fixed_notes: tuple[str, ...] = ()
    similar: Sequence[SimilarIncident] = ()
    impact: Sequence[str] = field(default_factory=list)


def read_record(db: Any, incident_id: int) -> Record:
    """The incident and everything recorded about it (NotFound when there is no such one)."""
    with db.session() as s:
        incident = incidents.get(session=s, incident_id=incident_id)
        alerts = incidents.alerts_of(session=s, incident_id=incident_id)
        lines = incidents.timeline(session=s, incident_id=incident_id)
        investigation = s.exec(
            select(Investigation)
            .where(Investigation.incident_id == incident_id)
            .order_by(col(Investigation.id).desc())
        ).first()
        remediations = list(s.exec(
            select(RemediationRequest).where(RemediationRequest.incident_id == incident_id)
            .order_by(col(RemediationRequest.id))
        ))  # fmt: skip
        past = past_incidents(session=s, incident_ids=[incident_id])
    fixed = past[incident_id].fixed_notes if incident_id in past else ()
    return Record(incident, alerts, lines[:MAX_TIMELINE], investigation, remediations, fixed)


def slo_impact(
    incident: Incident, config: SloConfig | None, sources: Mapping[str, Any], now: datetime
) -> list[str]:
    """SLA clocks (time to acknowledge / resolve against the targets) and the burn of each SLO
    on the incident's services, judged at its end; a line saying why when there is none."""
    if config is None:
        return ["SLO burn: not measured (no SLO file: set AIOPS_SLO_FILE)"]
    times = IncidentTimes.of(incident)
    out = [f"SLA: {c.describe()}" for c in clocks(times, config.slas, now)]
    services = set(incident.services or [])
    mine = [s for s in config.slos if s.service in services]
    if not mine:
        return [*out, "SLO burn: no SLO covers these services"]
    from bot.slo.flows import evaluate

    at = incident.resolved_at or now
    scoped = config.model_copy(update={"slos": mine})
    return [*out, *(f"SLO {state.describe()}" for state in evaluate(scoped, sources, at))]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "—"


def _outcome(req: RemediationRequest) -> str:
    params = ", ".join(f"{k}={v}" for k, v in (req.params or {}).items())
    who = f", run by {req.executed_by}" if req.executed_by else ""
    detail = f": {req.detail}" if req.detail else ""
    return f"`{req.action}({params})` — {req.state}{who}{detail}"


def _duration(inc: Incident, now: datetime) -> str:
    end = inc.resolved_at or now
    took = fmt_duration(max(end - inc.created_at, timedelta(0)))
    return f"{took} (resolved {_when(inc.resolved_at)})" if inc.resolved_at else f"{took} so far"


def _pct(hypothesis: dict[str, Any]) -> str:
    return f"{round(float(hypothesis.get('confidence', 0)) * 100)}%"


def _top(inv: Investigation | None) -> dict[str, Any] | None:
    if inv is None or not inv.hypotheses:
        return None
    return max(inv.hypotheses, key=lambda h: float(h.get("confidence", 0)))


def render(record: Record, now: datetime) -> str:
    inc, inv = record.incident, record.investigation
    top = _top(inv)
    worked = [r for r in record.remediations if r.state == "verified"]
    failed = [r for r in record.remediations if r.state in DID_NOT_FIX]
    services = ", ".join(inc.services or []) or "unknown"
    cause = (f"{top['kind']} on {top['service']}: {top.get('summary', '')}" if top
             else "not established")  # fmt: skip
    fixed = [_outcome(r) for r in worked] + [f"“{n}” (this fixed it)" for n in record.fixed_notes]
    if inc.resolution_note:
        fixed.append(f"Resolution note: {inc.resolution_note}")
    out = [
        f"# Postmortem draft: incident #{inc.id} — {inc.title}",
        "",
        f"_Draft written by aiops on {_when(now)} from the incident's record. Edit before "
        "sharing: causes are the investigation's, not a verdict._",
        "",
        "## Summary",
        "",
        f"A {inc.severity} incident on {services}, opened {_when(inc.created_at)}, "
        f"{'resolved' if inc.resolved_at else 'still ' + inc.status} after "
        f"{_duration(inc, now).split(' (')[0]}. Most likely root cause: {cause}. "
        f"{'Fixed by ' + fixed[0] + '.' if fixed else 'What fixed it is not recorded.'}",
        "",
        "## Impact",
        "",
        f"- Duration: {_duration(inc, now)}",
        f"- Services: {services}",
        f"- Alerts: {len(record.alerts)} ("
        + (", ".join(sorted({a.name for a in record.alerts})) or "none")
        + ")",
        f"- Acknowledged: {_when(inc.acknowledged_at)}"
        + (f" by {inc.acknowledged_by}" if inc.acknowledged_by else ""),
        *(f"- {line}" for line in record.impact),
        "",
        "## Timeline",
        "",
        "| time (UTC) | who | what |",
        "|---|---|---|",
        *(
            f"| {t.at:%Y-%m-%d %H:%M:%S} | {_cell(t.actor or 'aiops')} | {_cell(t.text)} |"
            for t in record.timeline
        ),  # fmt: skip
        "",
        "## Root cause",
        "",
    ]
    if top is None:
        out.append("Not established: the incident was not investigated, or nothing pointed to a "
                   "cause.")  # fmt: skip
    else:
        out += [f"**{top['kind']} on {top['service']}** ({_pct(top)} confidence): "
                f"{top.get('summary', '')}", "", "Evidence:"]  # fmt: skip
        out += [f"- {e}" for e in top.get("evidence", [])[:MAX_EVIDENCE]] or ["- none recorded"]
        against = top.get("against") or []
        if against:
            out += ["", "Against:", *(f"- {a}" for a in against[:MAX_EVIDENCE])]
        others = [h for h in (inv.hypotheses if inv else []) if h is not top][:4]
        if others:
            out += ["", "Other hypotheses considered:"]
            out += [f"- {h['kind']} on {h['service']} ({_pct(h)})" for h in others]
    out += ["", "## What fixed it", ""]
    out += [f"- {f}" for f in fixed] or ["- Not recorded."]
    out += ["", "## What did not", ""]
    out += [f"- {_outcome(r)}" for r in failed] or ["- Nothing tried failed."]
    out += ["", "## Follow-ups", "", *(f"- [ ] {f}" for f in follow_ups(record)), ""]
    if record.similar:
        out += ["## Similar past incidents", ""]
        for s in record.similar:
            p = s.past
            out.append(f"- #{p.incident_id} {p.title} ({p.created_at:%Y-%m-%d}): "
                       f"{p.kind or 'cause unknown'}; fixed by "
                       f"{'; '.join(p.fixed_by) or 'not recorded'}")  # fmt: skip
        out.append("")
    return "\n".join(out)


def follow_ups(record: Record) -> list[str]:
    """Suggestions from the record: each is a question the team answers, never a verdict."""
    inc, top = record.incident, _top(record.investigation)
    out: list[str] = []
    if top is not None:
        out.append(f"Prevent {top['kind']} on {top['service']} from recurring (a test, a limit "
                   "or an alert that fires earlier).")  # fmt: skip
    else:
        out.append("Establish the root cause and record it on the incident.")
    for req in record.remediations:
        if req.state in ("not_recovered", "rolled_back", "failed"):
            out.append(f"Find out why `{req.action}` did not help, and whether it should still "
                       "be proposed for this cause.")  # fmt: skip
    if not any(r.state == "verified" for r in record.remediations) and not inc.resolution_note:
        out.append("Record what fixed it, so the next incident of this kind starts from it.")
    same = [s for s in record.similar if top is not None and s.past.kind == top["kind"]]
    if same:
        ids = ", ".join(f"#{s.past.incident_id}" for s in same)
        out.append(f"This cause was seen before ({ids}): consider a lasting fix.")
    if any(line.startswith("SLA:") and ("missed" in line or "breached" in line)
           for line in record.impact):  # fmt: skip
        out.append("An SLA target was missed: review paging and escalation for this service.")
    return out


def build_postmortem(
    db: Any,
    incident_id: int,
    *,
    now: datetime,
    slo: SloConfig | None = None,
    sources: Mapping[str, Any] | None = None,
) -> Postmortem:
    """The Markdown draft of ``incident_id`` (NotFound when there is no such incident)."""
    from bot.history.flows import similar_to_incident

    record = read_record(db, incident_id)  # first: NotFound before anything else
    earlier = record.incident.created_at
    similar = [s for s in similar_to_incident(db, incident_id) if s.past.created_at <= earlier]
    impact = slo_impact(record.incident, slo, sources or {}, now)
    record = Record(record.incident, record.alerts, record.timeline, record.investigation,
                    record.remediations, record.fixed_notes, similar, impact)  # fmt: skip
    return Postmortem(incident_id, record.incident.title, render(record, now))


__all__ = ["Postmortem", "build_postmortem", "follow_ups", "render", "slo_impact"]
