"""`aiops run` takes what start-up built out of the collector's full passes (settle_heap)."""

from __future__ import annotations

import gc
import weakref

from handlers.slack.sockets import settle_heap


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_settle_heap_freezes_what_is_alive_and_keeps_no_garbage() -> None:
    kept = [Cycle() for _ in range(100)]
    garbage = weakref.ref(Cycle())  # unreachable at once: only the collector can free it
    gc.unfreeze()
    try:
        settle_heap()
        assert garbage() is None  # collected, not frozen
        assert gc.get_freeze_count() >= len(kept)
        visited = {id(o) for o in gc.get_objects()}  # what later collections still walk
        assert not visited & {id(k) for k in kept}
    finally:
        gc.unfreeze()
