"""Shared pieces of the builtin actions: client errors → ``PreflightFailed``, and typed clients
from the ``ActionContext``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from bot.remediate.models import ActionContext, PreflightFailed
from integrations.aws.errors import AwsError, AwsNotFound
from integrations.kubernetes import K8sError, K8sNotFound, KubernetesApi

P = ParamSpec("P")
R = TypeVar("R")


def preflight(func: Callable[P, R]) -> Callable[P, R]:
    """A preflight whose "not found" / refusal from the client becomes ``PreflightFailed``."""

    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (AwsNotFound, K8sNotFound) as exc:
            raise PreflightFailed(f"target does not exist: {exc}") from None
        except AwsError as exc:
            if exc.code in ("404", "NoSuchEntity", "NoSuchBucket"):
                raise PreflightFailed(f"target does not exist: {exc}") from None
            raise PreflightFailed(f"cannot check the target: {exc}") from None
        except K8sError as exc:
            raise PreflightFailed(f"cannot check the target: {exc}") from None

    return inner


def k8s(ctx: ActionContext) -> KubernetesApi:
    if ctx.k8s is None:
        raise PreflightFailed("Kubernetes is not configured, so Kubernetes actions cannot run")
    return KubernetesApi(ctx.k8s)


def aws(ctx: ActionContext, service: str) -> Any:
    return ctx.client(service)
