"""An inventory query: a resource type and filters, parsed from ``key=value`` words.

Filters: ``key=value`` (equal), ``key!=value`` (not equal), ``key~text`` (contains); on a
list-valued field (``open_to_world=22,80``) equal means "one of its items". Keys are
``id``, ``name``, ``state``, ``region``, ``tag:KEY`` or an attribute of the type; a key that
is no field of the resource reads its tags (``env=prod`` reads the ``env`` tag). Comparisons
ignore case, and a value matches its synonyms from the catalogue (prod ~ production).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.errors import UserError
from bot.inventory.catalogue import Catalogue, ResourceType, catalogue
from integrations.aws.inventory import Resource

_FILTER = re.compile(r"^(?P<key>(?:tag:)?[A-Za-z0-9_.:/-]{1,64})(?P<op>!=|=|~)(?P<value>.{0,128})$")
Op = Literal["=", "!=", "~"]


@dataclass(frozen=True)
class Filter:
    key: str
    op: Op
    value: str

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value}"

    def matches(self, resource: Resource, cat: Catalogue | None = None) -> bool:
        cat = cat or catalogue()
        found = _lookup(resource, self.key, cat)
        if self.op == "~":
            return any(self.value.lower() in v.lower() for v in found)
        wanted = _synonyms(self.value, cat)
        # a comma-separated field is a list: equal means one of its items is equal
        items = [item.strip().lower() for v in found for item in v.split(",")]
        equal = any(item in wanted for item in items)
        return equal if self.op == "=" else not equal


def _lookup(resource: Resource, key: str, cat: Catalogue) -> list[str]:
    direct = resource.value(key)
    if direct is not None:
        return [direct]
    names = {k.lower() for k in cat.tag_keys.get(key.lower(), [key])} | {key.lower()}
    return [v for k, v in resource.tags.items() if k.lower() in names]


def _synonyms(value: str, cat: Catalogue) -> set[str]:
    low = value.lower()
    for canonical, words in cat.values.items():
        group = {canonical.lower(), *(w.lower() for w in words)}
        if low in group:
            return group
    return {low}


def parse_filter(word: str) -> Filter:
    m = _FILTER.match(word)
    if m is None:
        raise UserError(
            f"{word!r} is not a filter: write key=value, key!=value or key~text "
            "(e.g. env=prod, state=stopped, tag:team=payments)"
        )
    return Filter(m["key"], m["op"], m["value"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class InventoryQuery:
    type: ResourceType
    filters: tuple[Filter, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        return " ".join([self.type.type, *(str(f) for f in self.filters)])


def parse_query(
    type_name: str, filter_words: list[str], cat: Catalogue | None = None
) -> InventoryQuery:
    """``aiops inventory TYPE [FILTERS…]`` as a query; an unknown type names the known ones."""
    cat = cat or catalogue()
    rtype = cat.type_named(type_name)
    if rtype is None:
        raise UserError(f"unknown resource type {type_name!r}; one of: {', '.join(cat.names)}")
    return InventoryQuery(rtype, tuple(parse_filter(w) for w in filter_words))
