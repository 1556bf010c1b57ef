"""Scenario rewrites that must not change an investigation's answer (bench_rename.py).

:func:`rename_scenario` renames every service of a scenario consistently to a made-up word
(seeded): the service names, and the pod, deployment, host and DNS names built from them, wherever
they occur in the YAML (topology, resources, alerts, labels, logs, events, changes, truth). What is
not a name is kept: container images, the case's kinds and other enumerations, numbers, and text
that only contains a name inside a longer word (``paymentsdb``). A name is replaced where it stands
as a token: bounded by anything but a letter or digit, or followed by an upper-case letter (a
camel-case flag ``paymentFailure``). Letter case is kept: ``Redis is loading`` (what Redis prints)
is not the service ``redis``. A metric whose noise was seeded by its id keeps that seed, so the
series are the same numbers.

:func:`jitter_scenario` shifts the clock by whole days (every time is an offset from ``now``, so
all times move together and a daily cycle keeps its phase) and reverses the order of alerts that
fire at the same time.

Both are pure: YAML text in, YAML text out, with the mapping from old names to new.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml

from sandbox.metricgen import stable_seed

#: keys whose values are never names: images, enumerations of the format, the scenario's own id
_KEEP_KEYS = frozenset(
    {"image", "kind", "tier", "format", "severity", "level", "status", "shape", "stat", "unit"}
)
#: top-level keys left alone (the scenario's id and the line for people)
_KEEP_TOP = frozenset({"version", "name", "summary", "now", "region"})

#: technology words: a service named with one of them is "product-named", and renaming it can
#: remove real evidence (a log that says ``redis`` about the service ``redis``)
PRODUCT_WORDS = frozenset(
    {
        "redis", "valkey", "memcached", "mongo", "mongodb", "postgres", "postgresql", "mysql",
        "mariadb", "aurora", "kafka", "rabbitmq", "zookeeper", "etcd", "consul", "nginx", "envoy",
        "haproxy", "jaeger", "otel", "flagd", "elasticsearch", "opensearch", "cassandra",
        "dynamodb", "sqs", "rds", "db", "cache", "queue", "proxy",
    }
)  # fmt: skip

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


def made_up_word(rng: random.Random, syllables: int = 3) -> str:
    """A pronounceable word of consonant-vowel syllables (``kavelo``): never two consonants
    together, so it holds no ``db`` and no other abbreviation a name could carry."""
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables))


def product_named(service: str) -> bool:
    """True when a part of the name is a technology word (``user-mongodb``, ``redis``)."""
    return any(part in PRODUCT_WORDS for part in re.split(r"[-_.]", service.lower()))


@dataclass(frozen=True)
class Rewritten:
    text: str  # the scenario's YAML
    mapping: dict[str, str]  # old service name -> new (empty for a jitter)

    def back(self, service: str) -> str:
        """A renamed service's original name (unknown names unchanged)."""
        inverse = {new: old for old, new in self.mapping.items()}
        return inverse.get(service, service)


def _tokens(data: Any) -> set[str]:
    """Every alphanumeric run of the document (the words a new name must not collide with)."""
    return set(re.findall(r"[A-Za-z0-9]+", yaml.safe_dump(data)))


def _pattern(names: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![a-z0-9])")


def _walk(node: Any, swap: Any, key: str | None = None, top: bool = False) -> Any:
    if isinstance(node, dict):
        return {
            k: (v if top and k in _KEEP_TOP else _walk(v, swap, str(k))) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_walk(item, swap, key) for item in node]
    if isinstance(node, str) and key not in _KEEP_KEYS:
        return swap(node)
    return node


def _keep_metric_seeds(data: dict[str, Any]) -> None:
    for metric in data.get("metrics") or []:
        if metric.get("seed") is None and metric.get("values") is None:
            metric["seed"] = stable_seed(str(metric["id"]))


def rename_scenario(text: str, seed: int = 0) -> Rewritten:
    """The scenario with each service renamed to a made-up word (same seed, same words)."""
    data = yaml.safe_load(text)
    names = [str(s["name"]) for s in data.get("services") or []]
    rng = random.Random(f"{seed}:{data.get('name', '')}")
    taken = {t.lower() for t in _tokens(data)}
    mapping: dict[str, str] = {}
    for name in names:
        word = made_up_word(rng)
        while word in taken:
            word = made_up_word(rng)
        taken.add(word)
        mapping[name] = word
    _keep_metric_seeds(data)
    if mapping:
        pattern = _pattern(mapping)
        data = _walk(data, lambda s: pattern.sub(lambda m: mapping[m.group(0)], s), top=True)
    return Rewritten(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), mapping)


def jitter_scenario(text: str, days: int = 1) -> Rewritten:
    """The scenario ``days`` later, alerts with equal times in reverse order."""
    data = yaml.safe_load(text)
    now = data["now"]
    moment = now if isinstance(now, datetime) else datetime.fromisoformat(str(now))
    later = moment + timedelta(days=days)
    data["now"] = later.isoformat().replace("+00:00", "Z")
    alerts = data.get("alerts") or []
    ties: dict[str, list[int]] = {}
    for index, alert in enumerate(alerts):
        ties.setdefault(str(alert.get("at", "0")), []).append(index)
    out = list(alerts)
    for indices in ties.values():
        for place, source in zip(indices, reversed(indices), strict=True):
            out[place] = alerts[source]
    data["alerts"] = out
    return Rewritten(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), {})
