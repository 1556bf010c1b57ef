"""Tiny reachability probes for `aiops doctor`: one call per external system, typed result."""

from __future__ import annotations

import logging
import socket
import urllib.error
from dataclasses import dataclass
from typing import Literal

#: the Slack client logs every failed call at ERROR; doctor reports it in its table instead
_QUIET = logging.getLogger("aiops.doctor.probe")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str
    #: why it failed: "network" (DNS, refused, timeout) or "auth" (the credential was refused)
    cause: Literal["", "network", "auth"] = ""


def _network_error(exc: BaseException) -> str | None:
    """A one-line account of a DNS / connection / timeout failure, or None when it is not one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return f"cannot resolve the host (DNS): {seen.strerror or seen}"
        if isinstance(seen, TimeoutError | socket.timeout):
            return "no answer (timed out)"
        if isinstance(seen, ConnectionError):
            return f"cannot connect: {seen.strerror or type(seen).__name__}"
        if isinstance(seen, urllib.error.URLError) and isinstance(seen.reason, BaseException):
            seen = seen.reason
            continue
        seen = seen.__cause__ or seen.__context__
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def aws_identity(region: str, endpoint_url: str | None) -> Probe:
    import boto3

    try:
        sts = boto3.client("sts", region_name=region, endpoint_url=endpoint_url)
        ident = sts.get_caller_identity()
        return Probe(True, f"account {ident.get('Account')} as {ident.get('Arn')}")
    except Exception as exc:  # any failure is the answer
        return Probe(False, _short(exc))


def kubernetes_version(kubeconfig: str, context: str | None) -> Probe:
    from kubernetes import client, config

    try:
        api = config.new_client_from_config(config_file=kubeconfig, context=context)
        info = client.VersionApi(api).get_code(_request_timeout=5)
        return Probe(True, f"server {info.git_version}")
    except Exception as exc:
        return Probe(False, _short(exc))


def slack_auth(token: str, base_url: str | None) -> Probe:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    try:
        client = WebClient(token=token, timeout=5, logger=_QUIET)
        if base_url:
            client.base_url = base_url
        resp = client.auth_test()
        return Probe(True, f"team {resp.get('team')} as {resp.get('user')}")
    except SlackApiError as exc:
        code = exc.response.get("error") if exc.response is not None else None
        return Probe(False, f"Slack refused the token ({code or _short(exc)})", "auth")
    except Exception as exc:
        network = _network_error(exc)
        if network is not None:
            return Probe(False, f"Slack unreachable: {network}", "network")
        return Probe(False, _short(exc))


def pagerduty_abilities(token: str, api_url: str) -> Probe:
    import pdpyras

    try:
        session = pdpyras.APISession(token)
        session.url = api_url
        session.timeout = 5
        abilities = session.list_all("abilities")
        return Probe(True, f"{len(abilities)} abilities")
    except Exception as exc:
        return Probe(False, _short(exc))
