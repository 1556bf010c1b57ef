"""Several socket-mode connections, events acked on arrival, and receipts that survive both.

Each test has its own local Slack server (the folder's shared app must not take envelopes meant
for the apps built here) and drives real Bolt apps over real socket-mode connections.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from slack_bolt import App

from bot.config import load_settings
from bot.errors import ConfigError
from bot.jobs import JobRunner
from bot.store import Database
from bot.store.receipts import remember
from handlers.blocks import incident_message
from handlers.blocks.ids import ActionId
from handlers.blocks.models import IncidentCard
from handlers.slack.app import SocketModeConnections, build_app, start_socket_mode
from handlers.slack.services import Actor, Reply, Services, default_services
from handlers.slack.sockets import AcksOwed
from sandbox.slack import LocalSlack
from tests.slack.helpers import ephemeral

INCIDENT = IncidentCard(id=7, title="Checkout errors", severity="high", status="triggered")


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        yield server


class Replica:
    """One ``aiops run`` process's Slack side: a Bolt app, its jobs and its connections."""

    def __init__(self, slack: LocalSlack, services: Services, connections: int = 1) -> None:
        settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
        self.jobs = JobRunner(max_workers=2)
        self.app: App = build_app(settings, services=services, jobs=self.jobs)
        self.sockets: SocketModeConnections = start_socket_mode(
            self.app, "xapp-test", connections=connections
        )

    def close(self) -> None:
        self.sockets.close()
        self.jobs.shutdown()


@pytest.fixture
def replicas() -> Iterator[Callable[..., Replica]]:
    started: list[Replica] = []

    def start(slack: LocalSlack, services: Services, connections: int = 1) -> Replica:
        started.append(Replica(slack, services, connections))
        slack.wait_connected(sum(len(r.sockets.handlers) for r in started))
        return started[-1]

    yield start
    for replica in started:
        replica.close()


def test_envelopes_are_spread_over_every_connection_and_acked_on_theirs(
    slack: LocalSlack, replicas: Callable[..., Replica]
) -> None:
    replicas(slack, default_services(), connections=3)
    assert slack.connection_count == 3
    acks = [slack.wait_ack(slack.send_slash_command("U1", "help")) for _ in range(6)]
    assert {a.connection for a in acks} == {1, 2, 3}
    assert all(a.acked_on == a.connection for a in acks)
    assert all("/aiops" in str(a.payload) for a in acks)  # each ack carries the help text


def test_an_event_is_acked_while_its_receipt_is_still_being_written(
    slack: LocalSlack, replicas: Callable[..., Replica], sqlite_database: Database
) -> None:
    """The receipt (a database write) is held until the ack has arrived: with the ack after
    the listener, as Bolt orders it, the ack would wait for the receipt and never come."""
    receipt_may_finish = threading.Event()
    receipts: list[str] = []

    def slow_receipt(key: str) -> bool:
        receipt_may_finish.wait(30)
        receipts.append(key)
        return remember(sqlite_database, key)

    replicas(slack, replace(default_services(), dedup=slow_receipt))
    slack.add_user("U1", "ana")
    envelope = slack.open_app_home("U1")
    try:
        acked = slack.wait_ack(envelope, timeout=10)
    finally:
        receipt_may_finish.set()
    assert acked.payload is None and not receipts  # acked, and the receipt not yet written
    home = slack.wait_for(lambda: slack.home("U1"))
    assert home.blocks and receipts == [f"slack:event:{_event_id(slack, envelope)}"]


def test_events_waiting_on_their_receipts_do_not_hold_up_the_next_command(
    slack: LocalSlack, sqlite_database: Database
) -> None:
    """One connection with two workers, three events whose receipts are held: a command sent
    next is still acked (with its reply), as event listeners run outside the connection's
    workers."""
    receipts_may_finish = threading.Event()

    def held_receipt(key: str) -> bool:
        receipts_may_finish.wait(30)
        return remember(sqlite_database, key)

    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    jobs = JobRunner(max_workers=2)
    app = build_app(settings, services=replace(default_services(), dedup=held_receipt), jobs=jobs)
    sockets = start_socket_mode(app, "xapp-test", concurrency=2)
    try:
        slack.wait_connected()
        for n in range(3):
            slack.add_user(f"U{n}", f"user{n}")
            slack.open_app_home(f"U{n}")
        try:
            help_ack = slack.wait_ack(slack.send_slash_command("U0", "help"), timeout=10)
        finally:
            receipts_may_finish.set()
        assert "/aiops" in str(help_ack.payload)
        slack.wait_for(lambda: all(slack.home(f"U{n}") for n in range(3)))
    finally:
        receipts_may_finish.set()
        sockets.close()
        jobs.shutdown()


def test_an_event_is_acked_by_the_receive_loop_while_every_worker_is_busy(
    slack: LocalSlack,
) -> None:
    """Both workers of the connection are held inside listeners (a Resolve click reads the fix
    choices before it opens its modal): an App Home event is still acked, because the receive
    loop acks it itself instead of queueing it for a worker; the command behind the clicks
    is acked once a worker is free."""
    release = threading.Event()
    inside = threading.Semaphore(0)

    def held_choices(actor: Actor) -> list[Any]:
        inside.release()
        release.wait(30)
        return []

    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    jobs = JobRunner(max_workers=2)
    services = replace(default_services(), fix_choices=held_choices)
    app = build_app(settings, services=services, jobs=jobs)
    sockets = start_socket_mode(app, "xapp-test", concurrency=2)
    try:
        slack.wait_connected()
        app.client.chat_postMessage(
            channel="#incidents", text=INCIDENT.title, blocks=incident_message(INCIDENT)
        )
        ts = slack.messages("incidents")[-1].ts
        slack.add_user("U1", "ana")
        clicks = [slack.click_button("U1", ActionId.RESOLVE, message_ts=ts) for _ in range(2)]
        assert inside.acquire(timeout=10) and inside.acquire(timeout=10)  # both workers held
        command = slack.send_slash_command("U1", "help")
        try:
            event = slack.wait_ack(slack.open_app_home("U1"), timeout=10)
            assert event.payload is None
            assert slack.ack(command).acked_at is None  # the command waits for a worker
        finally:
            release.set()
        assert "/aiops" in str(slack.wait_ack(command, timeout=10).payload)
        assert all(slack.wait_ack(c, timeout=10) for c in clicks)
    finally:
        release.set()
        sockets.close()
        jobs.shutdown()


def test_jobs_give_way_while_an_ack_is_owed(slack: LocalSlack) -> None:
    """A Resolve click is held in its listener (its ack is owed); an Acknowledge click on the
    other worker is acked and hands its work to a job, which waits for the owed ack before it
    starts, and runs as soon as that ack is sent."""
    release = threading.Event()
    inside = threading.Event()
    calls: list[str] = []

    def held_choices(actor: Actor) -> list[Any]:
        inside.set()
        release.wait(30)
        return []

    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    owed = AcksOwed(max_wait=30)
    jobs = JobRunner(max_workers=2, before_each=owed.give_way)
    services = replace(
        default_services(), fix_choices=held_choices, acknowledge=_counting(calls, threading.Lock())
    )
    app = build_app(settings, services=services, jobs=jobs)
    sockets = start_socket_mode(app, "xapp-test", concurrency=2, owed=owed)
    try:
        slack.wait_connected()
        app.client.chat_postMessage(
            channel="#incidents", text=INCIDENT.title, blocks=incident_message(INCIDENT)
        )
        ts = slack.messages("incidents")[-1].ts
        slack.add_user("U1", "ana")
        held = slack.click_button("U1", ActionId.RESOLVE, message_ts=ts)
        assert inside.wait(10)
        try:
            slack.wait_ack(slack.click_button("U1", ActionId.ACKNOWLEDGE, message_ts=ts), 10)
            assert not jobs.wait_idle(0.5) and calls == []  # the job waits for the owed ack
        finally:
            release.set()
        slack.wait_ack(held, timeout=10)
        assert jobs.wait_idle(10) and calls == ["U1:7"]
    finally:
        release.set()
        sockets.close()
        jobs.shutdown()


def test_acks_leave_while_a_thread_pool_of_the_process_is_starting_a_thread(
    slack: LocalSlack,
) -> None:
    """``ThreadPoolExecutor.submit`` starts its threads lazily while holding a lock that every
    executor of the process shares (``_global_shutdown_lock``), and waits there until the new
    thread runs. Held here as such a start holds it: a command, a click (whose listener hands
    its job on before the ack leaves) and an App Home event are all still acked, as the
    connection's workers, the events pool and the job pool are all running from the start and
    hand work on without that lock."""
    from concurrent.futures import thread as executor_threads

    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url=slack.api_url)
    jobs = JobRunner(max_workers=2)
    app = build_app(settings, services=default_services(), jobs=jobs)
    sockets = start_socket_mode(app, "xapp-test", concurrency=2)
    try:
        slack.wait_connected()
        app.client.chat_postMessage(
            channel="#incidents", text=INCIDENT.title, blocks=incident_message(INCIDENT)
        )
        ts = slack.messages("incidents")[-1].ts
        slack.add_user("U1", "ana")
        with executor_threads._global_shutdown_lock:
            command = slack.wait_ack(slack.send_slash_command("U1", "help"), timeout=10)
            click = slack.wait_ack(
                slack.click_button("U1", ActionId.ACKNOWLEDGE, message_ts=ts), timeout=10
            )
            events = [slack.wait_ack(slack.open_app_home("U1"), timeout=10) for _ in range(3)]
        assert "/aiops" in str(command.payload) and click.acked_at is not None
        assert all(e.acked_at is not None for e in events)
        assert jobs.wait_idle(10)
    finally:
        sockets.close()
        jobs.shutdown()


def test_every_connection_sends_its_acks_without_nagle(
    slack: LocalSlack, replicas: Callable[..., Replica]
) -> None:
    """Several acks in flight on one connection must not wait for each other's TCP ACKs."""
    replica = replicas(slack, default_services(), connections=2)
    for handler in replica.sockets.handlers:
        session = handler.client.current_session
        assert session is not None and session.sock is not None  # each replica is connected
        sock = session.sock
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert slack.wait_ack(slack.send_slash_command("U1", "help")).payload


def test_close_ends_a_receive_loop_that_reset_its_state_as_the_close_began(
    slack: LocalSlack, replicas: Callable[..., Replica]
) -> None:
    """slack_sdk's receive loop marks its session state not terminated as it starts on a new
    session; a close landing between its "is the session active" check and that reset used to
    join the loop forever, sleeping on a closed socket (a CI run hung here). The loop's start is
    held at that point and released inside close, right after the socket is closed."""
    replica = replicas(slack, default_services())
    (handler,) = replica.sockets.handlers
    client = handler.client
    held, go, reset = threading.Event(), threading.Event(), threading.Event()

    def loop_start_held() -> None:  # slack_sdk's _run_current_session, paused past its check
        held.set()
        go.wait()
        state = client.current_session_state
        state.terminated = False
        reset.set()
        session = client.current_session
        assert session is not None  # connected: the loop starts on a session
        session.run_until_completion(state)

    disconnect = client.disconnect

    def disconnect_then_release() -> None:
        disconnect()
        go.set()
        reset.wait(5)

    client.current_session_runner.target = loop_start_held
    client.connect_to_new_endpoint(force=True)  # the old loop ends; the next start is held
    assert held.wait(5)
    client.disconnect = disconnect_then_release  # type: ignore[method-assign]
    closing = threading.Thread(target=replica.sockets.close, daemon=True)
    closing.start()
    closing.join(10)
    assert reset.is_set(), "the held loop start never ran"
    assert not closing.is_alive(), "close() is still joining the receive loop"


def test_start_socket_mode_refuses_more_connections_than_slack_allows() -> None:
    app = App(token="xoxb-test", token_verification_enabled=False)
    with pytest.raises(ConfigError, match="between 1 and 10"):
        start_socket_mode(app, "xapp-test", connections=11)
    with pytest.raises(ConfigError):
        start_socket_mode(app, "xapp-test", connections=0)


# ------------------------------------------------------- redelivery across replicas: once
def _counting(calls: list[str], lock: threading.Lock) -> Callable[[Actor, int], Reply]:
    def acknowledge(actor: Actor, incident_id: int) -> Reply:
        with lock:
            calls.append(f"{actor.user_id}:{incident_id}")
        return Reply(f"acknowledged #{incident_id}")

    return acknowledge


def _event_id(slack: LocalSlack, envelope: str) -> str:
    return str(slack.payload_of(envelope)["event_id"])


def test_a_click_redelivered_to_another_replica_runs_once(
    slack: LocalSlack, replicas: Callable[..., Replica], database: Database
) -> None:
    """Two processes, each with its own services (no shared memory), one store: the receipt
    in the store is what keeps Slack's redelivery from acknowledging twice."""
    calls: list[str] = []
    lock = threading.Lock()

    def services() -> Services:
        return replace(
            default_services(),
            acknowledge=_counting(calls, lock),
            dedup=lambda key: remember(database, key),
        )

    first = replicas(slack, services())
    replicas(slack, services())
    slack.add_user("U1", "ana")
    first.app.client.chat_postMessage(
        channel="#incidents", text=INCIDENT.title, blocks=incident_message(INCIDENT)
    )
    ts = slack.messages("incidents")[-1].ts
    click = slack.click_button("U1", ActionId.ACKNOWLEDGE, message_ts=ts)
    again = slack.redeliver(click)
    original, redelivered = slack.wait_ack(click), slack.wait_ack(again)
    assert original.acked_on != redelivered.acked_on  # each replica got one delivery
    ephemeral(slack, "U1", "already pressed *Acknowledge*")
    ephemeral(slack, "U1", "acknowledged #7")
    assert calls == ["U1:7"]


def test_an_event_retried_on_another_connection_is_handled_once(
    slack: LocalSlack, replicas: Callable[..., Replica], sqlite_database: Database
) -> None:
    homes: list[str] = []
    firsts: list[bool] = []
    both_checked = threading.Event()

    def home(actor: Actor) -> Any:
        homes.append(actor.user_id)
        return default_services().home(actor)

    def receipt(key: str) -> bool:
        firsts.append(remember(sqlite_database, key))
        if len(firsts) == 2:
            both_checked.set()
        return firsts[-1]

    replica = replicas(slack, replace(default_services(), home=home, dedup=receipt), 2)
    slack.add_user("U1", "ana")
    envelope = slack.open_app_home("U1")
    retry = slack.redeliver(envelope)
    first, second = slack.wait_ack(envelope), slack.wait_ack(retry)
    assert {first.acked_on, second.acked_on} == {1, 2}
    assert _event_id(slack, envelope) == _event_id(slack, retry)
    assert both_checked.wait(10)
    assert replica.jobs.wait_idle(10)
    assert sorted(firsts) == [False, True]
    assert homes == ["U1"] and len(slack.api_calls("views.publish")) == 1


def test_each_ack_is_timed_when_it_is_sent_and_an_events_listener_is_not_part_of_it(
    slack: LocalSlack, replicas: Callable[..., Replica], sqlite_database: Database
) -> None:
    """The event's ack is counted while its listener is still held (so the listener's time is
    not in it); the command's once its reply went back."""
    from bot.observability.metrics import REGISTRY

    def count(kind: str) -> float:
        sample = REGISTRY.get_sample_value("aiops_slack_ack_seconds_count", {"kind": kind})
        return sample or 0.0

    listener_may_finish = threading.Event()

    def held_receipt(key: str) -> bool:
        listener_may_finish.wait(30)
        return remember(sqlite_database, key)

    replica = replicas(slack, replace(default_services(), dedup=held_receipt))
    slack.add_user("U1", "ana")
    events, commands = count("event"), count("slash_command")
    try:
        slack.wait_ack(slack.open_app_home("U1"))
        _poll(lambda: count("event") == events + 1)  # recorded while the listener is held
        assert slack.home("U1") is None
    finally:
        listener_may_finish.set()
    slack.wait_for(lambda: slack.home("U1"))
    slack.wait_ack(slack.send_slash_command("U1", "help"))
    _poll(lambda: count("slash_command") == commands + 1)
    assert replica.jobs.wait_idle(10) and count("event") == events + 1


def _poll(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for a metric (recorded just after the ack is on the wire, so after Slack saw it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.01)
