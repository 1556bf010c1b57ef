"""Per-request costs of moto's server that grow with nothing the request asks, removed.

Measured with the audit bench (``tests/bench/bench_audit_scale.py --profile``), moto 5.2.5
spends on every request, before any backend work:

- finding the service for the request's host: ``DomainDispatcherApplication.get_backend_for_host``
  lists moto's package directory (``os.listdir`` plus one ``stat`` per module, ~170) and then
  tries every service's URL patterns in turn, all under one process-wide lock, so requests
  queue behind file-system calls. The answer depends on the host string only (the patterns and
  the modules are fixed for the process): cached per host here.
- marking the caller's access key as used: for an assumed role, ``IAMBackend.get_role_by_arn``
  walks every role of the account formatting each ARN, so each request costs O(roles). Looked
  up through an index by ARN here, rebuilt whenever the set of roles changes.

Both patches keep moto's answers unchanged; they only make them cheaper. ``patch()`` is
idempotent and applies to the process (moto's state is process-wide too).
"""

from __future__ import annotations

import threading
from typing import Any

_applied = False
_lock = threading.Lock()


def _patch_dispatch() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        cache: dict[str | None, Any] = self.__dict__.setdefault("_aiops_backend_by_host", {})
        if host not in cache:
            cache[host] = original(self, host)  # the caller holds self.lock
        return cache[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def _patch_role_by_arn() -> None:
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import IAMBackend

    def get_role_by_arn(self: Any, arn: str) -> Any:
        roles = self.roles
        index = self.__dict__.get("_aiops_role_by_arn")
        ids = frozenset(roles)
        if index is None or index[0] != ids:
            index = (ids, {role.arn: role for role in roles.values()})
            self.__dict__["_aiops_role_by_arn"] = index
        role = index[1].get(arn)
        if role is None:
            raise NotFoundException(f"Role {arn} not found")
        return role

    IAMBackend.get_role_by_arn = get_role_by_arn  # type: ignore[method-assign]


def patch() -> None:
    global _applied
    with _lock:
        if _applied:
            return
        _patch_dispatch()
        _patch_role_by_arn()
        _applied = True
