"""JobRunner's cap on queued work: "busy" beyond it, room again once jobs end."""

from __future__ import annotations

import threading

import pytest

from bot.errors import UpstreamUnavailable
from bot.jobs import JobRunner


def test_work_beyond_the_cap_is_refused_until_jobs_end() -> None:
    jobs = JobRunner(max_workers=1, max_pending=2)
    release = threading.Event()
    errors: list[str] = []
    ran: list[str] = []

    def held() -> None:
        release.wait(10)

    try:
        jobs.submit("held", held, on_error=errors.append)
        jobs.submit("queued", lambda: ran.append("queued"), on_error=errors.append)
        with pytest.raises(UpstreamUnavailable, match="busy"):
            jobs.submit("third", lambda: ran.append("third"), on_error=errors.append)
        release.set()
        assert jobs.wait_idle(10)
        jobs.submit("again", lambda: ran.append("again"), on_error=errors.append)
        assert jobs.wait_idle(10)
        assert ran == ["queued", "again"] and errors == []
    finally:
        release.set()
        jobs.shutdown()
