"""One local Slack server and one real Bolt app (real SocketModeHandler) for the whole folder.

Each test uses its own user id, so recordings never mix; ``fake`` records every service call and
lets a test swap one service's behaviour (reset after each test).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import load_settings
from handlers.slack.app import build_app, start_socket_mode
from handlers.slack.jobs import JobRunner
from sandbox.slack import LocalSlack
from tests.slack.helpers import FakeServices


@pytest.fixture(scope="session")
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        yield server


@pytest.fixture(scope="session")
def fake() -> FakeServices:
    return FakeServices()


@pytest.fixture(scope="session")
def jobs() -> Iterator[JobRunner]:
    runner = JobRunner(max_workers=4)
    yield runner
    runner.shutdown()


@pytest.fixture(scope="session")
def bolt(slack: LocalSlack, fake: FakeServices, jobs: JobRunner) -> Iterator[Any]:
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    app = build_app(settings, services=fake.services(), jobs=jobs)
    handler = start_socket_mode(app, "xapp-test")
    slack.wait_connected()
    yield app
    handler.close()


_users = itertools.count(1)


@pytest.fixture
def user(slack: LocalSlack, fake: FakeServices, bolt: Any) -> Iterator[str]:
    """A fresh Slack user for this test (and the app connected)."""
    user_id = f"U{next(_users):06d}T"
    slack.add_user(user_id, f"user{user_id.lower()}")
    yield user_id
    fake.overrides.clear()
