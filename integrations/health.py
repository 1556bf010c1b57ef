"""Tiny reachability probes for `aiops doctor`: one call per external system, typed result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str


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

    try:
        client = WebClient(token=token, timeout=5)
        if base_url:
            client.base_url = base_url
        resp = client.auth_test()
        return Probe(True, f"team {resp.get('team')} as {resp.get('user')}")
    except Exception as exc:
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
