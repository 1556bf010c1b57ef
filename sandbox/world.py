"""``SandboxWorld``: one scenario served through the real protocols, as a context manager.

with SandboxWorld(load_scenario(path).scenario) as world:
    world.endpoints.aws_endpoint_url    # moto (boto3 endpoint_url=)
    world.endpoints.gaps_endpoint_url   # CloudTrail LookupEvents, CloudWatch alarm history
    world.endpoints.kubeconfig_path     # the Kubernetes sandbox, when the scenario has one
    world.clock                         # a SandboxClock at the scenario's now
    world.apply_remediation("k8s.rollback_deployment", {"namespace": "prod", ...})
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from bot.clock import SandboxClock
from bot.errors import UpstreamUnavailable, UserError
from sandbox.aws import AwsSandbox, start_aws_sandbox
from sandbox.metricgen import Override, Series, generate
from sandbox.scenario_models import Scenario

log = logging.getLogger(__name__)
T = TypeVar("T")
#: How far past a remediation's effect the recovered series is published.
RECOVERY_HORIZON = timedelta(hours=1)


@dataclass(frozen=True)
class Endpoints:
    region: str
    aws_endpoint_url: str
    gaps_endpoint_url: str
    kubernetes_url: str | None = None
    kubeconfig_path: Path | None = None
    loki_url: str | None = None

    def env_lines(self) -> list[str]:
        """Shell lines that point the bot (and the aws CLI / kubectl) at this world."""
        lines = [
            f"export AWS_ENDPOINT_URL={self.aws_endpoint_url}",
            "export AWS_ACCESS_KEY_ID=testing",
            "export AWS_SECRET_ACCESS_KEY=testing",
            f"export AWS_REGION={self.region}",
            f"export AWS_DEFAULT_REGION={self.region}",
            f"export AIOPS_AWS_GAPS_ENDPOINT_URL={self.gaps_endpoint_url}",
        ]
        if self.kubeconfig_path is not None:
            lines.append(f"export KUBECONFIG={self.kubeconfig_path}")
        if self.loki_url is not None:
            lines.append(f"export LOKI_URL={self.loki_url}")
        return lines


@dataclass(frozen=True)
class AppliedEffect:
    metric: str
    to: float
    effective_at: datetime
    points_published: int


@dataclass
class _MetricState:
    overrides: list[Override] = field(default_factory=list)
    end: datetime | None = None


def _with_timeout(name: str, start: Callable[[], T], timeout: float) -> T:
    """Run a server's start-up; a server that is not up within ``timeout`` is a clear error."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(start())
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"start-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise UpstreamUnavailable(f"the {name} sandbox did not come up within {timeout:.0f} s")
    if failure:
        raise failure[0]
    return result[0]


def _same(expected: Any, given: Any, reverse: Mapping[str, str]) -> bool:
    if given is None:
        return False
    candidates = {str(given), str(reverse.get(str(given), given))}
    return str(expected) in candidates


class SandboxWorld:
    """Starts the AWS sandbox (+ gap endpoint), and Kubernetes / Loki when those modules exist."""

    def __init__(
        self, scenario: Scenario, *, clock: SandboxClock | None = None, timeout: float = 10.0
    ) -> None:
        self.scenario = scenario
        self.clock = clock or SandboxClock(scenario.now)
        self.timeout = timeout
        self.aws: AwsSandbox | None = None
        self.k8s: Any = None
        self.loki: Any = None
        self.startup_seconds: dict[str, float] = {}
        self._metrics: dict[str, _MetricState] = {m.id: _MetricState() for m in scenario.metrics}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SandboxWorld:
        t0 = time.perf_counter()
        try:
            series = [generate(m, self.scenario.now) for m in self.scenario.metrics]
            # moto's own start-up is bounded by ``timeout`` inside; seeding is not a server.
            self.aws = start_aws_sandbox(self.scenario, series, timeout=self.timeout)
            self.startup_seconds.update(self.aws.timings)
            self._start_optional()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds["total"] = time.perf_counter() - t0
        return self

    def _start_optional(self) -> None:
        """The hook for the Kubernetes and Loki sandboxes (started when their modules exist)."""
        data = self.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        logs = data.get("logs", [])
        k8s_module = _optional("sandbox.k8s")
        if k8s_module is not None and self.scenario.kubernetes is not None:
            t = time.perf_counter()
            self.k8s = _with_timeout(
                "Kubernetes",
                lambda: k8s_module.start_k8s_sandbox(data["kubernetes"], self.scenario.now, logs),
                self.timeout,
            )
            self.startup_seconds["kubernetes"] = time.perf_counter() - t
        loki_module = _optional("sandbox.loki")
        if loki_module is not None and self._shipped_logs():
            t = time.perf_counter()
            self.loki = _with_timeout(
                "Loki",
                lambda: loki_module.start_loki_sandbox(logs, self.scenario.now),
                self.timeout,
            )
            self.startup_seconds["loki"] = time.perf_counter() - t

    def _shipped_logs(self) -> bool:
        """Whether some log lines are served by no API but Loki: file sources, and pod logs of a
        pod the Kubernetes sandbox does not hold (deleted since, or no cluster in the world),
        which production keeps where promtail shipped them."""
        k8s = self.scenario.kubernetes
        live = {(p.namespace, p.name) for p in k8s.pods} if k8s is not None else set()
        for entry in self.scenario.logs:
            prefix, _, rest = entry.source.partition(":")
            if prefix in ("file", "loki"):
                return True
            parts = rest.split("/")
            if prefix == "k8s" and len(parts) == 3 and (parts[0], parts[1]) not in live:
                return True
        return False

    def stop(self) -> None:
        for name in ("loki", "k8s", "aws"):
            server = getattr(self, name)
            if server is not None:
                try:
                    server.stop()
                except Exception:  # stopping must not hide the reason we stop
                    log.warning("stopping the %s sandbox failed", name, exc_info=True)
                setattr(self, name, None)

    def __enter__(self) -> SandboxWorld:
        return self.start() if self.aws is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ views
    def _aws(self) -> AwsSandbox:
        if self.aws is None:
            raise UserError("the sandbox world is not running (call start() first)")
        return self.aws

    @property
    def endpoints(self) -> Endpoints:
        aws = self._aws()
        return Endpoints(
            region=self.scenario.region,
            aws_endpoint_url=aws.endpoint_url,
            gaps_endpoint_url=aws.gaps_url,
            kubernetes_url=getattr(self.k8s, "url", None),
            kubeconfig_path=getattr(self.k8s, "kubeconfig_path", None),
            loki_url=getattr(self.loki, "url", None),
        )

    @property
    def id_refs(self) -> dict[str, str]:
        """``id_ref -> real id`` (EC2 instances, CloudFront distributions)."""
        return dict(self._aws().id_refs)

    def id_ref_of(self, real_id: str) -> str | None:
        return {v: k for k, v in self._aws().id_refs.items()}.get(real_id)

    def to_id_refs(self, value: Any) -> Any:
        """Replace real ids by their ``id_ref`` anywhere in a JSON-like value (for output)."""
        reverse = {v: k for k, v in self._aws().id_refs.items()}
        if isinstance(value, str):
            for real, ref in reverse.items():
                value = value.replace(real, ref)
            return value
        if isinstance(value, dict):
            return {k: self.to_id_refs(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.to_id_refs(v) for v in value]
        return value

    def series(self, metric_id: str) -> Series:
        """The series as currently published (the generator plus any remediation overrides)."""
        state = self._metrics[metric_id]
        return generate(
            self.scenario.metric(metric_id),
            self.scenario.now,
            end=state.end,
            overrides=state.overrides,
        )

    # ------------------------------------------------------------------ remediation
    def matching_effects(self, action: str, params: Mapping[str, Any]) -> list[Any]:
        reverse = {v: k for k, v in self._aws().id_refs.items()}
        return [
            entry
            for entry in self.scenario.remediation_effects
            if entry.action == action
            and all(_same(v, params.get(k), reverse) for k, v in entry.params.items())
        ]

    def apply_remediation(self, action: str, params: Mapping[str, Any]) -> list[AppliedEffect]:
        """Make matching ``remediation_effects`` happen from the clock's now on and publish the
        affected metric points, so a later ``get_metric_data`` sees the recovery."""
        aws = self._aws()
        with self._lock:
            t0 = self.clock.now()
            applied: list[AppliedEffect] = []
            changed: dict[str, Series] = {}
            for entry in self.matching_effects(action, params):
                for effect in entry.effects:
                    state = self._metrics[effect.metric]
                    start = t0 + effect.after
                    state.overrides.append(Override(start=start, to=effect.to))
                    state.end = max(filter(None, [state.end, start + RECOVERY_HORIZON]))
                    series = self.series(effect.metric)
                    since = aws.published_until.get(effect.metric)
                    fresh = sum(1 for ts in series.timestamps if since is None or ts > since)
                    changed[effect.metric] = series
                    applied.append(AppliedEffect(effect.metric, effect.to, start, fresh))
            if changed:
                aws.publish(list(changed.values()))
            return applied


def _optional(module: str) -> Any:
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return loaded
