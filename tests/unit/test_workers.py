"""bot.workers.Workers: threads running before any work, a submit that never blocks."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

import pytest

from bot.workers import Workers


def test_every_thread_is_running_before_the_first_submit() -> None:
    workers = Workers(3, name="t-ready")
    try:
        names = {t.name for t in threading.enumerate() if t.is_alive()}
        assert {"t-ready-0", "t-ready-1", "t-ready-2"} <= names
    finally:
        workers.shutdown()


def test_work_runs_on_the_workers_and_shutdown_waits_for_what_is_queued() -> None:
    workers = Workers(2, name="t-run")
    done: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        with lock:
            done.append((n, threading.current_thread().name))

    for n in range(20):
        workers.submit(work, n)
    workers.shutdown()
    assert sorted(n for n, _ in done) == list(range(20))
    assert {name for _, name in done} <= {"t-run-0", "t-run-1"}


def test_a_failing_item_is_logged_and_the_worker_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    workers = Workers(1, name="t-fail")
    done = threading.Event()

    def broken() -> None:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger="aiops.workers"):
        workers.submit(broken)
        workers.submit(done.set)
        assert done.wait(10)
    workers.shutdown()
    assert "t-fail: broken failed" in caplog.text and "boom" in caplog.text


def test_shutdown_can_drop_what_is_queued_and_refuses_later_work() -> None:
    workers = Workers(1, name="t-cancel")
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def hold() -> None:
        started.set()
        release.wait(10)

    workers.submit(hold)
    assert started.wait(10)
    for n in range(5):
        workers.submit(ran.append, n)
    workers.shutdown(wait=False, cancel_pending=True)  # while the first item still runs
    release.set()
    workers.shutdown()
    assert ran == []
    with pytest.raises(RuntimeError, match="shut down"):
        workers.submit(ran.append, 9)
    with pytest.raises(ValueError, match="at least one"):
        Workers(0, name="t-none")


def test_work_in_hand_at_exit_is_finished_before_the_process_ends() -> None:
    """The threads are daemons; without the exit hook the interpreter would end mid-job."""
    script = (
        "import time\n"
        "from bot.workers import Workers\n"
        "w = Workers(1, name='t-exit')\n"
        "w.submit(lambda: (time.sleep(0.3), print('finished', flush=True)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "finished"
