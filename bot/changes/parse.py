"""Change webhooks in their sources' own wire formats → ``ChangeIn`` (None = not a change).

- GitHub ``deployment_status`` (state ``success``) and ``workflow_run`` (``completed`` +
  ``success``); the service is the deployment's ``payload.service``, else the repository name.
- Argo CD notifications (webhook service, template documented in docs/webhooks.md).
- Jenkins (Notification plugin JSON: ``name``, ``build.phase``, ``build.status``…).
- manual (``/aiops change`` or the CLI; our own schema).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.changes.models import KINDS, ChangeIn
from bot.ingest.models import BadPayload, bounded_time, fingerprint_of, parse_time, require


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _ident(*parts: object, sep: str = ":") -> str:
    """A readable external id from the delivery's own fields, hashed when it would not fit
    the column (255): a long but valid app name must not make a change unstorable."""
    ident = sep.join(str(p) for p in parts)
    return ident if len(ident) <= 255 else fingerprint_of(*parts)


def parse_github(event: str | None, body: Any, at: datetime) -> ChangeIn | None:
    if not isinstance(body, dict):
        raise BadPayload("expected a JSON object")
    if event == "ping":
        return None
    repo = require(body, "repository", "", dict)
    repo_name = str(repo.get("name") or "")
    if event == "deployment_status":
        status = require(body, "deployment_status", "", dict)
        deployment = require(body, "deployment", "", dict)
        if status.get("state") != "success":
            return None
        payload = deployment.get("payload") if isinstance(deployment.get("payload"), dict) else {}
        return ChangeIn(
            source="github",
            external_id=f"deployment:{require(deployment, 'id', 'deployment.', (int, str))}",
            kind="deployment",
            at=parse_time(status.get("created_at"), "deployment_status.created_at") or at,
            service=_text(payload.get("service")) or repo_name or None,
            environment=_text(deployment.get("environment")),
            version=_text(payload.get("version")) or _text(deployment.get("ref")),
            previous=_text(payload.get("previous")),
            actor=_text((deployment.get("creator") or {}).get("login")),
            detail={"sha": deployment.get("sha"), "repository": repo.get("full_name")},
        )
    if event == "workflow_run":
        run = require(body, "workflow_run", "", dict)
        if body.get("action") != "completed" or run.get("conclusion") != "success":
            return None
        return ChangeIn(
            source="github",
            external_id=f"workflow_run:{require(run, 'id', 'workflow_run.', (int, str))}",
            kind="deployment",
            at=parse_time(run.get("updated_at"), "workflow_run.updated_at") or at,
            service=repo_name or None,
            version=_text(run.get("head_sha")),
            actor=_text((run.get("actor") or {}).get("login")),
            detail={"workflow": run.get("name"), "branch": run.get("head_branch")},
        )
    raise BadPayload(f"unsupported GitHub event {event!r} (deployment_status, workflow_run)")


def parse_argocd(body: Any, at: datetime) -> ChangeIn | None:
    if not isinstance(body, dict):
        raise BadPayload("expected a JSON object")
    app = require(body, "app", "")
    revision = require(body, "revision", "")
    if body.get("phase", "Succeeded") != "Succeeded":
        return None
    return ChangeIn(
        source="argocd",
        external_id=_ident(app, revision, body.get("finished_at") or ""),
        kind="deployment",
        at=parse_time(body.get("finished_at"), "finished_at") or at,
        service=_text(body.get("service")) or app,
        environment=_text(body.get("environment")),
        version=_text(body.get("version")) or revision,
        previous=_text(body.get("previous")),
        actor=_text(body.get("author")),
        detail={"app": app, "revision": revision, "repo": body.get("repo")},
    )


def parse_jenkins(body: Any, at: datetime) -> ChangeIn | None:
    if not isinstance(body, dict):
        raise BadPayload("expected a JSON object")
    name = require(body, "name", "")
    build = require(body, "build", "", dict)
    number = require(build, "number", "build.", (int, str))
    if build.get("phase") not in ("COMPLETED", "FINALIZED") or build.get("status") != "SUCCESS":
        return None
    params = build.get("parameters") if isinstance(build.get("parameters"), dict) else {}
    scm = build.get("scm") if isinstance(build.get("scm"), dict) else {}
    return ChangeIn(
        source="jenkins",
        external_id=_ident(name, number, sep="#"),
        kind=str(params["KIND"]) if params.get("KIND") in KINDS else "deployment",
        at=at,
        service=_text(params.get("SERVICE")) or name,
        environment=_text(params.get("ENVIRONMENT")),
        version=_text(params.get("VERSION")) or _text(scm.get("commit")),
        previous=_text(params.get("PREVIOUS")),
        actor=_text(params.get("ACTOR")),
        detail={"url": build.get("full_url"), "commit": scm.get("commit")},
    )


class ManualChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern="^(" + "|".join(KINDS) + ")$")
    service: str | None = Field(default=None, max_length=255)
    environment: str | None = None
    version: str | None = None
    previous: str | None = None
    actor: str | None = None
    at: datetime | None = None
    id: str | None = Field(default=None, max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return bounded_time(value)  # as the alert endpoints: a timezone, and a sane year


def parse_manual(body: Any, at: datetime) -> ChangeIn:
    try:
        m = ManualChange.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "body"
        kind = "missing field" if err["type"] == "missing" else str(err["msg"])
        raise BadPayload(f"{kind}: {where}") from None
    when = m.at or at
    return ChangeIn(
        source="manual",
        external_id=m.id or fingerprint_of(m.kind, m.service, m.version, when.isoformat()),
        kind=m.kind,
        at=when,
        service=m.service,
        environment=m.environment,
        version=m.version,
        previous=m.previous,
        actor=m.actor,
        detail=m.detail,
    )
