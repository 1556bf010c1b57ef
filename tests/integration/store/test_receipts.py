"""Receipts on SQLite and Postgres: a key is remembered once, however many callers race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.store import Database
from bot.store.receipts import remember, seen


def test_a_key_is_remembered_once_and_a_long_key_is_cut_not_refused(database: Database) -> None:
    assert not seen(database, "slack:event:Ev1")
    assert remember(database, "slack:event:Ev1") is True
    assert remember(database, "slack:event:Ev1") is False
    assert seen(database, "slack:event:Ev1")
    long_key = "slack:click:" + "x" * 400
    assert remember(database, long_key) is True
    assert remember(database, long_key) is False and seen(database, long_key)


def test_racing_deliveries_of_one_key_let_exactly_one_through(database: Database) -> None:
    start = threading.Barrier(8)

    def deliver(_n: int) -> bool:
        start.wait(10)
        return remember(database, "slack:click:approve:U1:1.0:abc")

    with ThreadPoolExecutor(max_workers=8) as pool:
        firsts = list(pool.map(deliver, range(8)))
    assert sorted(firsts) == [False] * 7 + [True]
