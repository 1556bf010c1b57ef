"""Incremental log-template mining: our masking, then drain3's Drain tree.

drain3 is configured in code (never from a ``drain3.ini`` in the working directory). Its own
masker is left empty because ours runs first in one regex pass. State lives in memory; a
snapshot can be taken and restored through drain3's in-memory persistence handler.

Two lines belong to the same group when they land in Drain clusters whose final templates are
equal (clusters that generalise to the same template are merged, as loghub's Drain does).

Defaults (depth 4 as in drain3, similarity 0.85 over constant tokens only, see
:class:`ConstantSimilarityDrain`) are strict about words and lenient about parameters: two
events one word apart (``payment … succeeded`` / ``payment … failed``) stay apart unless the line
has about seven constant words or more, because for an on-call engineer an error hidden inside
its success template is worse than one template too many. They were chosen on the averaged
loghub-2k grouping accuracy (tests/bench/bench_log_templates.py), never per system.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drain3 import TemplateMiner as DrainMiner
from drain3.drain import Drain
from drain3.memory_buffer_persistence import MemoryBufferPersistence
from drain3.template_miner_config import TemplateMinerConfig

from bot.errors import UserError
from bot.logmine.masking import Masker
from bot.logmine.models import LogLineLike, Template

MAX_EXAMPLES = 3
_SNAPSHOT_FORMAT = "aiops-logmine/1"
_CACHE_LIMIT = 200_000

LineInput = str | LogLineLike | tuple[Any, ...]


@dataclass(slots=True)
class _Stats:
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    levels: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


class ConstantSimilarityDrain(Drain):
    """Drain whose similarity counts only the template's constant tokens.

    Stock Drain scores ``equal tokens / all tokens`` with the template's ``<*>`` positions
    counted as misses, so a template that holds many parameters can no longer attract its own
    lines unless the threshold is low, and a low threshold merges events that differ in one
    constant word (``VM Started`` / ``VM Paused``). Scoring ``equal constants / constants``
    lets the threshold be strict about words and indifferent to parameters.
    """

    def get_seq_distance(
        self, seq1: Sequence[str], seq2: Sequence[str], include_params: bool
    ) -> tuple[float, int]:
        param = self.param_str
        constants = same = params = 0
        for template_token, token in zip(seq1, seq2, strict=True):
            if template_token == param:
                params += 1
                continue
            constants += 1
            if template_token == token:
                same += 1
        if constants == 0:
            return 1.0, params
        return same / constants, params


def drain_config(
    *, sim_th: float, depth: int, max_children: int, max_clusters: int | None
) -> TemplateMinerConfig:
    """A drain3 configuration built in code, with drain3's own masking switched off."""
    config = TemplateMinerConfig()
    config.drain_sim_th = sim_th
    config.drain_depth = depth
    config.drain_max_children = max_children
    config.drain_max_clusters = max_clusters
    config.masking_instructions = []
    config.mask_prefix = "<"
    config.mask_suffix = ">"
    config.parametrize_numeric_tokens = True
    config.snapshot_compress_state = True
    config.profiling_enabled = False
    return config


def _unpack(line: LineInput) -> tuple[str, datetime | None, str | None]:
    if isinstance(line, str):
        return line, None, None
    if isinstance(line, tuple):
        if not line or len(line) > 3 or not isinstance(line[0], str):
            raise UserError("a log line tuple must be (text, timestamp, level)")
        padded = (*line, None, None)
        return line[0], padded[1], padded[2]
    try:
        return line.text, line.timestamp, line.level
    except AttributeError:
        raise UserError(
            f"cannot mine {type(line).__name__}: expected text or an object with "
            "text, timestamp and level"
        ) from None


class TemplateMiner:
    """Feed lines one at a time with :meth:`add`; read :meth:`templates` at any point."""

    def __init__(
        self,
        *,
        sim_th: float = 0.85,
        depth: int = 4,
        max_children: int = 100,
        max_clusters: int | None = None,
        masker: Masker | None = None,
        _state: bytes | None = None,
    ) -> None:
        if not 0.0 < sim_th <= 1.0:
            raise UserError(f"sim_th must be in (0, 1], got {sim_th}")
        if depth < 3:
            raise UserError(f"depth must be at least 3, got {depth}")
        self.masker = masker or Masker()
        self._config = drain_config(
            sim_th=sim_th, depth=depth, max_children=max_children, max_clusters=max_clusters
        )
        self._miner = DrainMiner(persistence_handler=None, config=self._config)
        old = self._miner.drain
        self._miner.drain = ConstantSimilarityDrain(
            sim_th=old.sim_th,
            depth=old.log_cluster_depth,
            max_children=old.max_children,
            max_clusters=old.max_clusters,
            extra_delimiters=old.extra_delimiters,
            param_str=old.param_str,
            parametrize_numeric_tokens=old.parametrize_numeric_tokens,
        )
        if _state is not None:
            persistence = MemoryBufferPersistence()
            persistence.state = _state
            self._miner.persistence_handler = persistence
            self._miner.load_state()
            # no snapshot on every change: they are taken on demand
            self._miner.persistence_handler = None
        self._drain = self._miner.drain
        self._stats: dict[int, _Stats] = {}
        self._cache: dict[str, int] = {}

    # ----------------------------------------------------------------- feeding
    def add(self, text: str, timestamp: datetime | None = None, level: str | None = None) -> int:
        """Add one line; return the id of the Drain cluster it joined."""
        masked = self.masker.mask(text)
        cluster_id = self._cache.get(masked)
        if cluster_id is None:
            cluster, _ = self._drain.add_log_message(masked)
            cluster_id = cluster.cluster_id
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[masked] = cluster_id
        else:
            self._drain.id_to_cluster[cluster_id].size += 1
        stats = self._stats.get(cluster_id)
        if stats is None:
            stats = self._stats[cluster_id] = _Stats()
        stats.count += 1
        if timestamp is not None:
            if stats.first_seen is None or timestamp < stats.first_seen:
                stats.first_seen = timestamp
            if stats.last_seen is None or timestamp > stats.last_seen:
                stats.last_seen = timestamp
        if level:
            stats.levels[level] = stats.levels.get(level, 0) + 1
        if len(stats.examples) < MAX_EXAMPLES and text not in stats.examples:
            stats.examples.append(text)
        return cluster_id

    def add_line(self, line: LineInput) -> int:
        """Add a string, a ``(text, timestamp, level)`` tuple or a LogLine-like object."""
        return self.add(*_unpack(line))

    def add_all(self, lines: Iterable[LineInput]) -> list[int]:
        return [self.add_line(line) for line in lines]

    # ----------------------------------------------------------------- reading
    def template_of(self, cluster_id: int) -> str:
        """The current template of a cluster (what :meth:`add` returned)."""
        cluster = self._drain.id_to_cluster.get(cluster_id)
        if cluster is None:
            raise UserError(f"unknown template cluster {cluster_id}")
        return str(cluster.get_template())

    def templates(self) -> list[Template]:
        """Every template seen so far, most frequent first (ties: by template text)."""
        merged: dict[str, Template] = {}
        for cluster_id, stats in self._stats.items():
            key = self.template_of(cluster_id)
            out = merged.get(key)
            if out is None:
                out = merged[key] = Template(template=key)
            out.count += stats.count
            for ts in (stats.first_seen, stats.last_seen):
                if ts is None:
                    continue
                if out.first_seen is None or ts < out.first_seen:
                    out.first_seen = ts
                if out.last_seen is None or ts > out.last_seen:
                    out.last_seen = ts
            for name, n in stats.levels.items():
                out.levels[name] = out.levels.get(name, 0) + n
            for example in stats.examples:
                if len(out.examples) < MAX_EXAMPLES and example not in out.examples:
                    out.examples.append(example)
        return sorted(merged.values(), key=lambda t: (-t.count, t.template))

    def __len__(self) -> int:
        return sum(s.count for s in self._stats.values())

    # ------------------------------------------------------------ persistence
    def snapshot(self) -> bytes:
        """The miner's state: drain3's own (compressed) Drain tree plus our per-cluster counts.

        Only restore snapshots this code wrote: drain3 stores its tree with jsonpickle.
        """
        buffer = MemoryBufferPersistence()
        self._miner.persistence_handler = buffer
        try:
            self._miner.save_state("snapshot")
        finally:
            self._miner.persistence_handler = None
        assert buffer.state is not None
        stats = {
            str(cid): {
                "count": st.count,
                "first_seen": st.first_seen.isoformat() if st.first_seen else None,
                "last_seen": st.last_seen.isoformat() if st.last_seen else None,
                "levels": st.levels,
                "examples": st.examples,
            }
            for cid, st in self._stats.items()
        }
        envelope = {
            "format": _SNAPSHOT_FORMAT,
            "drain": buffer.state.decode("ascii"),
            "stats": stats,
        }
        return json.dumps(envelope).encode("utf-8")

    @classmethod
    def restore(cls, state: bytes, **kwargs: Any) -> TemplateMiner:
        """A miner that continues from a :meth:`snapshot`: same clusters, counts and examples."""
        try:
            envelope = json.loads(state)
            if envelope.get("format") != _SNAPSHOT_FORMAT:
                raise ValueError(envelope.get("format"))
            drain_state = envelope["drain"].encode("ascii")
            raw_stats = envelope["stats"]
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeError):
            raise UserError("not a log-template miner snapshot (or from another version)") from None
        miner = cls(_state=drain_state, **kwargs)
        for cid, st in raw_stats.items():
            miner._stats[int(cid)] = _Stats(
                count=st["count"],
                first_seen=datetime.fromisoformat(st["first_seen"]) if st["first_seen"] else None,
                last_seen=datetime.fromisoformat(st["last_seen"]) if st["last_seen"] else None,
                levels=dict(st["levels"]),
                examples=list(st["examples"]),
            )
        return miner


def mine_templates(lines: Iterable[LineInput], **kwargs: Any) -> list[Template]:
    """Mine ``lines`` in one go and return their templates, most frequent first."""
    miner = TemplateMiner(**kwargs)
    for line in lines:
        miner.add_line(line)
    return miner.templates()
