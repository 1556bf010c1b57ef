"""Dry runs: preflight for real (reads), then run ``execute`` with every WRITE intercepted and
recorded instead of sent, so the user sees exactly which client calls would be made.

AWS: a botocore ``before-call`` hook answers write operations locally (an empty response) after
recording the operation and its API parameters; reads (Describe/Get/List/Head) go through.
Kubernetes: ``ApiClient.call_api`` is wrapped on a dedicated client; GETs go through, any other
verb is recorded and stops the action. Nothing is ever written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from bot.remediate.models import ActionContext, ActionSpec, Params, Snapshot

_READ_PREFIXES = ("Describe", "Get", "List", "Head", "Lookup")


@dataclass(frozen=True)
class PlannedCall:
    client: str  # "aws:ec2" | "kubernetes"
    operation: str
    params: dict[str, Any]

    def text(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.client} {self.operation}({args})"


class _Stop(Exception):
    """Raised inside the Kubernetes client after a write was recorded."""


@dataclass
class DryRun:
    calls: list[PlannedCall] = field(default_factory=list)

    # ------------------------------------------------------------------ AWS
    def aws(self, factory: Callable[[str], Any]) -> Callable[[str], Any]:
        made: dict[str, Any] = {}

        def client(service: str) -> Any:
            if service not in made:
                made[service] = self._hook(service, factory(service))
            return made[service]

        return client

    def _hook(self, service: str, client: Any) -> Any:
        pending: dict[str, dict[str, Any]] = {}

        def params(params: dict[str, Any], model: Any, **_: Any) -> None:
            pending[model.name] = dict(params)

        def call(model: Any, **_: Any) -> Any:
            if model.name.startswith(_READ_PREFIXES):
                return None
            self.calls.append(
                PlannedCall(f"aws:{service}", model.name, pending.pop(model.name, {}))
            )
            return SimpleNamespace(status_code=200, headers={}), {}

        client.meta.events.register("before-parameter-build.*.*", params)
        client.meta.events.register("before-call.*.*", call)
        return client

    # ------------------------------------------------------------------ Kubernetes
    def k8s(self, api_client: Any) -> Any:
        original = api_client.call_api

        def call_api(
            resource_path: str, method: str, path_params: Any = None, *a: Any, **kw: Any
        ) -> Any:
            if method.upper() in ("GET", "HEAD"):
                return original(resource_path, method, path_params, *a, **kw)
            path = resource_path
            for key, value in dict(path_params or {}).items():
                path = path.replace("{" + key + "}", str(value))
            body = kw.get("body")
            self.calls.append(
                PlannedCall(
                    "kubernetes", f"{method.upper()} {path}", {"body": body} if body else {}
                )
            )
            raise _Stop()

        api_client.call_api = call_api
        return api_client


@dataclass(frozen=True)
class DryRunReport:
    action: str
    before: Snapshot
    calls: list[PlannedCall]
    note: str = ""


def dry_run(
    spec: ActionSpec,
    params: Params,
    ctx: ActionContext,
    *,
    aws_factory: Callable[[str], Any] | None,
    k8s_client: Any,
) -> DryRunReport:
    """Preflight (real reads; raises ``PreflightFailed``), then record ``execute``'s writes."""
    recorder = DryRun()
    dry = replace(
        ctx,
        aws=recorder.aws(aws_factory) if aws_factory else None,
        k8s=recorder.k8s(k8s_client) if k8s_client is not None else None,
        on_executed=None,
    )
    before = spec.preflight(dry, params)
    note = ""
    try:
        spec.execute(dry, params, before)
    except _Stop:
        note = "stopped at the first Kubernetes write (later steps depend on its answer)"
    except (KeyError, IndexError, TypeError):
        note = "stopped after a write whose answer later steps need"
    except Exception as exc:  # a wrapped _Stop (the adapter translates client errors)
        if not isinstance(exc.__cause__, _Stop) and not isinstance(exc.__context__, _Stop):
            raise
        note = "stopped at the first Kubernetes write (later steps depend on its answer)"
    return DryRunReport(spec.name, before, list(recorder.calls), note)
