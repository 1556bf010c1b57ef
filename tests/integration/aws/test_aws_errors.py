"""``aws_errors``, the one way an AWS adapter converts botocore's errors, driven by a real boto3
client against the sandbox's moto server: a missing thing's code becomes ``AwsNotFound``, any
other code ``AwsError`` with the service's code, the original stays as ``__cause__``, and the
message carries neither the access key nor the secret. ``absent`` leaves the block quietly on
the codes it names only; ``unreachable`` converts a ``BotoCoreError`` only when asked."""

from __future__ import annotations

import socket
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from integrations.aws.errors import AwsError, AwsNotFound, aws_errors

KEY, SECRET = "AKIAHOUSE3EXAMPLEKEY", "house3-secret-never-shown"


def _client(service: str, url: str) -> Any:
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET
    )
    return session.client(service, endpoint_url=url)


def _shows_no_secret(exc: BaseException) -> None:
    for text in (str(exc), repr(exc), *map(str, exc.args)):
        assert KEY not in text and SECRET not in text


def test_a_missing_resource_is_not_found_with_the_original_as_cause(url: str) -> None:
    s3 = _client("s3", url)
    with pytest.raises(AwsNotFound) as caught, aws_errors("bucket house3-nowhere"):
        s3.get_bucket_policy(Bucket="house3-nowhere")
    assert str(caught.value) == "bucket house3-nowhere not found (NoSuchBucket)"
    cause = caught.value.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == "NoSuchBucket"
    _shows_no_secret(caught.value)


def test_any_other_code_is_an_aws_error_with_the_services_code_and_message(url: str) -> None:
    iam = _client("iam", url)
    iam.create_user(UserName="house3-twice")
    with pytest.raises(AwsError) as caught, aws_errors("IAM user house3-twice"):
        iam.create_user(UserName="house3-twice")
    assert caught.value.code == "EntityAlreadyExists"
    assert str(caught.value).startswith("EntityAlreadyExists: ")
    assert "house3-twice" in str(caught.value)  # the service's own message
    assert isinstance(caught.value.__cause__, ClientError)
    _shows_no_secret(caught.value)


def test_absent_leaves_the_block_on_its_codes_only(url: str) -> None:
    s3 = _client("s3", url)
    s3.create_bucket(Bucket="house3-no-policy")
    policy = "default"
    with aws_errors("bucket house3-no-policy", absent="NoSuchBucketPolicy"):
        policy = s3.get_bucket_policy(Bucket="house3-no-policy")["Policy"]
    assert policy == "default"  # no policy: the default set before the block stands
    with (
        pytest.raises(AwsNotFound, match="NoSuchBucket"),
        aws_errors("bucket house3-gone", absent=("NoSuchBucketPolicy",)),
    ):
        s3.get_bucket_policy(Bucket="house3-gone")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_endpoint_converts_only_when_asked() -> None:
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET
    )
    config = Config(retries={"max_attempts": 1}, connect_timeout=2)
    ec2 = session.client("ec2", endpoint_url=f"http://127.0.0.1:{_closed_port()}", config=config)
    with pytest.raises(EndpointConnectionError), aws_errors("EC2 instances"):
        ec2.describe_instances()
    with pytest.raises(AwsError) as caught, aws_errors("EC2 instances", unreachable=True):
        ec2.describe_instances()
    assert caught.value.code == "Unreachable"
    assert str(caught.value).startswith("Unreachable: EC2 instances: ")
    assert isinstance(caught.value.__cause__, EndpointConnectionError)
    _shows_no_secret(caught.value)


def test_other_exceptions_pass_unchanged() -> None:
    with pytest.raises(KeyError), aws_errors("anything", absent="NoSuchThing", unreachable=True):
        raise KeyError("not an AWS error")
