"""Consumer lag seen only in how fast the services on a queue print (issue 15 pt 1).

Services that share a queue print a line per message: the producer's "Sent order 41a5… to
finance:0", the consumer's "Sending invoice email to …". With no lag metric, the rates of those
lines still say who falls behind: ``behind`` compares, for each queue (a dependency of a tier in
``queue_tiers``), the per-message line rate of the services using it, and when the busiest
prints ``behind_ratio`` times faster than another, that other one falls behind (a backlog grows
between them). The per-message line is a service's most frequent line with ids, numbers,
addresses and hosts masked. Rules in ``playbooks/reasoning/line_rates.yaml``; no service, topic or
value is named here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field

from bot.configfile import FrozenModel
from bot.investigate.context import Topology
from bot.investigate.reasoning_data import load
from bot.investigate.sources import LogRecord

# tokens that differ per message: anything with a digit, an address, a dotted host or path
_VARIES = re.compile(r"\S*(?:\d|@|\.\w+\.)\S*")


class LineRates(FrozenModel):
    queue_tiers: list[str] = Field(min_length=1)
    min_lines: int = Field(ge=2)
    behind_ratio: float = Field(gt=1)


@lru_cache(maxsize=1)
def line_rate_rules() -> LineRates:
    return load(LineRates, "line_rates.yaml")


@dataclass(frozen=True)
class Rate:
    """A service's per-message line: how many, over how long, and one example."""

    lines: int
    per_second: float
    example: str


@dataclass(frozen=True)
class Behind:
    """``consumer`` prints its per-message line ``ratio`` times slower than ``producer``."""

    queue: str
    consumer: str
    producer: str
    consumed: Rate
    produced: Rate

    @property
    def ratio(self) -> float:
        return self.produced.per_second / max(self.consumed.per_second, 1e-9)


def message_rate(lines: Sequence[LogRecord], rules: LineRates | None = None) -> Rate | None:
    """The rate of the most frequent line (per-message ids masked), over its own span."""
    rules = rules or line_rate_rules()
    shapes: dict[str, list[LogRecord]] = defaultdict(list)
    for line in lines:
        if line.at is not None:
            shapes[_VARIES.sub("*", line.text).strip()].append(line)
    if not shapes:
        return None
    shape = Counter({k: len(v) for k, v in shapes.items()}).most_common(1)[0][0]
    said = shapes[shape]
    if len(said) < rules.min_lines:
        return None
    times = sorted(ln.at for ln in said if ln.at is not None)
    span = max((times[-1] - times[0]).total_seconds(), 1.0)
    return Rate(len(said), round((len(said) - 1) / span, 3), said[0].text[:200])


def behind(
    lines_of: Mapping[str, Sequence[LogRecord]], topo: Topology, rules: LineRates | None = None
) -> list[Behind]:
    """The services on a shared queue that print their per-message line far slower than the
    busiest one on it."""
    rules = rules or line_rate_rules()
    rates = {s: r for s, lines in lines_of.items() if (r := message_rate(lines, rules))}
    out: list[Behind] = []
    for queue in topo.names():
        node = topo.get(queue)
        if node is None or node.tier not in rules.queue_tiers:
            continue
        users = [s for s in rates if queue in topo.depends_on(s)]
        if len(users) < 2:
            continue
        busiest = max(users, key=lambda s: rates[s].per_second)
        for user in users:
            if user == busiest:
                continue
            lag = Behind(queue, user, busiest, rates[user], rates[busiest])
            if lag.ratio >= rules.behind_ratio:
                out.append(lag)
    return out
