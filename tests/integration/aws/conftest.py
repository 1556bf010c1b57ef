"""The accounts world (``tests/accounts_world.py``) for the tests here that ask for it: ``url``,
the sandbox's moto server held for the module, and ``base``, the bot's own session on it with
the world's accounts seeded."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from sandbox.aws import moto_server
from tests.accounts_world import seeded_session


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    url = moto_server.acquire()
    try:
        yield url
    finally:
        moto_server.release()


@pytest.fixture(scope="module")
def base(url: str) -> boto3.Session:
    return seeded_session(url)
