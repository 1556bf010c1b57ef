"""The investigation context ``aiops run`` builds from the settings is long-lived: its clients
are, what they read is not. A security group opened after the first investigation is seen by
the next one (moto server, real boto3)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from bot.clock import SystemClock
from bot.config import load_settings
from handlers.slack.wiring import production_investigation_context
from sandbox.aws import moto_server

REGION = "eu-west-1"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in moto_server.CREDENTIALS.items():
        monkeypatch.setenv(name.upper(), value)  # the default credential chain, as in prod
    url = moto_server.acquire()
    try:
        yield url
    finally:
        moto_server.release()


def _open(url: str, name: str) -> None:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url, **moto_server.CREDENTIALS)
    gid = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )  # fmt: skip


def test_each_investigation_reads_what_is_there_now(moto: str) -> None:
    settings = load_settings(aws_endpoint_url=moto, aws_region=REGION)
    context = production_investigation_context(settings, SystemClock())
    first = context()
    assert not [r for r in first.evidence.security_group_ingress() if r.group == "opened-later"]
    _open(moto, "opened-later")
    second = context()
    assert [r.port for r in second.evidence.security_group_ingress() if r.group == "opened-later"]
    assert second.evidence.aws_clients is first.evidence.aws_clients  # the clients are kept
