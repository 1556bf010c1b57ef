"""The needle in a large log: a rare template whose words say something failed.

Log mining ranks templates by count, and the failure modes look at ERROR-level lines seen a few
times. One significant line among a hundred thousand routine ones ("Peer down" at INFO) is then
lost. A template is kept as a *rare failure line* when the source is large, the template is rare
in it (at most ``RARE_SHARE`` of its lines, and a handful at most) and its words are failure words
(the symptom vocabulary of ``playbooks/reasoning/service_words.yaml``). The failure modes read it
through the finding's ``rare`` attribute, whatever level the line was printed at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import ConfigError
from bot.logmine.models import Template
from bot.yamlloc import load_yaml

# the primitives cannot import ``reasoning_data`` (it imports the playbook schema, which loads
# the primitives), so the one list read here is read with its own narrow model
_WORDS_FILE = Path(__file__).resolve().parents[2] / "playbooks" / "reasoning" / "service_words.yaml"

RARE_MIN_LINES = 1000  # below this a log is read whole; nothing is a needle
RARE_SHARE = 0.001  # a template seen in at most this share of the lines is rare
RARE_MAX_COUNT = 5  # and never more than this many times
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class _Symptoms(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    symptom_words: list[str]


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    try:
        data = _Symptoms.model_validate(load_yaml(_WORDS_FILE.read_text()))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{_WORDS_FILE.name}: symptom_words: {exc}") from exc
    return frozenset(w.lower() for w in data.symptom_words)


def failure_words(text: str) -> list[str]:
    """The failure words of a line (``down``, ``failed``, ``unreachable``…), in order."""
    vocab = _vocabulary()
    return list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if w in vocab))


def rare_failures(templates: Sequence[Template]) -> dict[int, list[str]]:
    """Index of each rare template that says something failed → its failure words."""
    total = sum(t.count for t in templates)
    if total < RARE_MIN_LINES:
        return {}
    limit = min(RARE_MAX_COUNT, max(1, int(total * RARE_SHARE)))
    out: dict[int, list[str]] = {}
    for index, t in enumerate(templates):
        if t.count > limit:
            continue
        words = failure_words(t.examples[0] if t.examples else t.template)
        if words:
            out[index] = words
    return out
