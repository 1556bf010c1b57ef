"""The local AWS: moto's ``ThreadedMotoServer`` on loopback, in this process, shared per process.

moto keeps its state in module-level backends, so every moto server in one process sees the same
state. We therefore run ONE server per process, reset it (``POST /moto-api/reset``) when a world
starts, and allow one world at a time (a second concurrent world is a clear error).

Being in-process also lets us fill the few holes moto 5.2.5 has (listed in docs/sandbox.md):
percentile statistics in ``GetMetricData`` (patched below; its scan of every point for every
query is replaced by an index in ``cloudwatch_index``), log events older than 14 days of
real time (inserted into the backend directly), imported certificates that are already
expired, and two answers the security audit reads (``moto_fidelity``: the IAM credential
report's date, snapshots by owner). ``moto_speed`` removes per-request costs that grow with
nothing the request asks.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from typing import Any

import boto3
import httpx

from bot.errors import UpstreamUnavailable
from sandbox.aws import cloudwatch_index, ecs_rollout, elb_health, moto_fidelity, moto_speed

ACCOUNT_ID = "123456789012"  # moto's default account
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")

_lock = threading.Lock()
_server: Any = None
_url: str | None = None
_in_use = False
log = logging.getLogger(__name__)


def _patch_percentiles() -> None:
    """moto answers ``Stat: p99`` with a 500; compute percentiles from the raw samples."""
    from moto.cloudwatch import models

    stats_cls: Any = models.Statistics
    if getattr(stats_cls, "_aiops_percentiles", False):
        return
    original = stats_cls.get_statistics_for_type

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        match = _PERCENTILE.match(stat)
        if not match:
            return original(self, stat)
        values = sorted(float(v) for v in self.metric_single_values_list)
        if not values:
            return None
        rank = float(match.group(1)) / 100.0 * (len(values) - 1)
        low = int(rank)
        high = min(low + 1, len(values) - 1)
        return values[low] + (values[high] - values[low]) * (rank - low)

    stats_cls.get_statistics_for_type = get_statistics_for_type
    stats_cls._aiops_percentiles = True


def _start_locked(timeout: float) -> str:
    global _server, _url
    if _url is not None:
        return _url
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from moto.server import ThreadedMotoServer

    _patch_percentiles()
    cloudwatch_index.patch()
    ecs_rollout.patch()
    elb_health.patch()
    moto_fidelity.patch()
    moto_speed.patch()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:  # a TCP connect: moto's HTTP status pages dump the whole (process-wide) state
            socket.create_connection((host, port), timeout=1.0).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise UpstreamUnavailable(
                    f"the AWS sandbox (moto) did not come up within {timeout:.0f} s on {url}"
                ) from None
            time.sleep(0.05)
    _server, _url = server, url
    return url


def acquire(timeout: float = 10.0) -> str:
    """Start (once) or reuse the moto server, reset its state, and reserve it for one world."""
    global _in_use
    with _lock:
        if _in_use:
            raise UpstreamUnavailable(
                "another sandbox world is running in this process; stop it first"
            )
        url = _start_locked(timeout)
        httpx.post(f"{url}/moto-api/reset", timeout=60.0).raise_for_status()
        httpx.post(
            f"{url}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=60.0
        ).raise_for_status()
        _in_use = True
        return url


def release() -> None:
    global _in_use
    with _lock:
        _in_use = False


def shutdown() -> None:
    """Stop the shared server (the CLI does this on exit; tests may leave it to the process)."""
    global _server, _url, _in_use
    with _lock:
        if _server is not None:
            _server.stop()
        _server, _url, _in_use = None, None, False


def backend(service: str, region: str) -> Any:
    """moto's in-process backend for a service (``"logs"``, ``"ecs"``, ``"iam"``, …)."""
    from moto.backends import get_backend

    region_key = "global" if service in {"iam", "cloudfront"} else region
    return get_backend(service)[ACCOUNT_ID][region_key]  # type: ignore[call-overload]


_sessions: dict[str, boto3.Session] = {}


def session(region: str) -> boto3.Session:
    """A boto3 session with moto's test credentials (cached: botocore caches models per session)."""
    with _lock:
        if region not in _sessions:
            _sessions[region] = boto3.Session(region_name=region, **CREDENTIALS)
        return _sessions[region]
