"""A local Kubernetes API server that serves a scenario's ``kubernetes:`` section.

The official ``kubernetes`` client talks to it through the kubeconfig this writes::

    with start_k8s_sandbox(scenario["kubernetes"], now, scenario.get("logs")) as k8s:
        api = kubernetes.config.new_client_from_config(config_file=str(k8s.kubeconfig_path))
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from sandbox.k8s.app import build_app
from sandbox.k8s.errors import ApiError
from sandbox.k8s.httpserver import ServedSandbox
from sandbox.k8s.state import ClusterState

__all__ = ["ApiError", "ClusterState", "K8sSandbox", "start_k8s_sandbox", "write_kubeconfig"]


def write_kubeconfig(path: Path, server: str, token: str, *, name: str = "aiops-sandbox") -> Path:
    """A kubeconfig with one cluster, one token user and one current context."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "preferences": {},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


class K8sSandbox(ServedSandbox):
    """A running sandbox API server. Use as a context manager or call ``stop()``."""

    def __init__(self, state: ClusterState, *, token: str | None = None) -> None:
        self.state = state
        self.token = token or secrets.token_urlsafe(24)
        super().__init__(build_app(state, self.token))
        self._dir = Path(tempfile.mkdtemp(prefix="aiops-k8s-"))
        self.kubeconfig_path = write_kubeconfig(self._dir / "kubeconfig", self.url, self.token)

    def set_now(self, now: datetime) -> None:
        """Move the sandbox clock (see ``ClusterState.set_now``)."""
        self.state.set_now(now)

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self._dir, ignore_errors=True)


def start_k8s_sandbox(
    kubernetes: dict[str, Any] | None, now: datetime, logs: list[dict] | None = None
) -> K8sSandbox:
    """Serve ``kubernetes`` (the scenario section, as plain dicts) as seen at ``now``.

    ``logs`` is the scenario's ``logs`` section; its ``k8s:<ns>/<pod>/<container>`` sources
    become pod logs. Raises ``UserError`` naming the key when the section cannot be served.
    """
    state = ClusterState(kubernetes, now, logs)
    return K8sSandbox(state).start()
