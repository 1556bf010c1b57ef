"""A question in words ("list EC2 instances in prod", "which buckets are public") as an
inventory query, by the catalogue's words; ``None`` when no resource type is named."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import UserError
from bot.inventory.catalogue import Catalogue, ResourceType, catalogue
from bot.inventory.query import Filter, InventoryQuery, parse_filter, parse_query


def _has(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase.lower())}(?![a-z0-9])", text) is not None


def _type_in(text: str, cat: Catalogue) -> ResourceType | None:
    """The type named by the longest matching name, so "security groups" beats "groups"."""
    best: tuple[int, ResourceType] | None = None
    for t in cat.types:
        for name in (t.type.replace("_", " "), t.type, *t.aliases):
            if _has(text, name) and (best is None or len(name) > best[0]):
                best = (len(name), t)
    return best[1] if best else None


def _filters_in(text: str, cat: Catalogue) -> list[Filter]:
    """Filters for the question's words; a longer phrase hides the shorter words inside it
    ("not encrypted" is not also "encrypted")."""
    hits: list[tuple[int, int, str]] = []
    for entry in cat.words:
        for word in entry.words:
            for m in re.finditer(rf"(?<![a-z0-9]){re.escape(word.lower())}(?![a-z0-9])", text):
                hits.append((m.start(), m.end(), entry.filter))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[Filter] = []
    covered_to = -1
    for start, end, spec in hits:
        if start < covered_to:
            continue
        covered_to = end
        found = parse_filter(spec)
        if all(f.key != found.key for f in chosen):
            chosen.append(found)
    return chosen


def question_to_query(
    question: str, cat: Catalogue | None = None, *, need_intent: bool = False
) -> InventoryQuery | None:
    """``need_intent``: the words must also ask to list something ("list", "which", …), for
    text that was not addressed to the inventory."""
    cat = cat or catalogue()
    text = " ".join(question.lower().split())
    if need_intent and not any(_has(text, word) for word in cat.intents):
        return None
    rtype = _type_in(text, cat)
    if rtype is None:
        return None
    explicit = [parse_filter(w) for w in question.split() if re.match(r"^[\w:.-]+(!=|=|~)", w)]
    keys = {f.key for f in explicit}
    implied = [f for f in _filters_in(text, cat) if f.key not in keys]
    return InventoryQuery(rtype, tuple(explicit + implied))


def words_to_query(words: list[str], cat: Catalogue | None = None) -> InventoryQuery:
    """A type and filters (``ec2 env=prod``) or a question (``which buckets are public``);
    a ``UserError`` naming the known types when there is neither."""
    cat = cat or catalogue()
    if not words:
        raise UserError(f"name a resource type: one of {', '.join(cat.names)}")
    if cat.type_named(words[0]) is not None:
        return parse_query(words[0], words[1:], cat)
    query = question_to_query(" ".join(words), cat)
    if query is None:
        raise UserError(f"no resource type in {' '.join(words)!r}; one of: {', '.join(cat.names)}")
    return query


@dataclass(frozen=True)
class Read:
    """How words were read: the query, and what the model assumed when it read them."""

    query: InventoryQuery
    assumed: str | None = None  # None: the rules read them

    def note(self) -> str | None:
        """The line shown with a model's reading, or None for the rules'."""
        if self.assumed is None:
            return None
        said = f"; assumed: {self.assumed}" if self.assumed else ""
        return f"Read by Claude as `{self.query.describe()}`{said}"


#: a question -> the model's reading (``bot.inventory.llm.map_question``), None when it could not
Reader = Callable[[str], "Read | None"]


def read_words(words: list[str], model: Reader | None = None, cat: Catalogue | None = None) -> Read:
    """``words_to_query``, and when its rules find no resource type in a question and a model
    is given, the model's reading (validated by it); a model that could not read it leaves the
    rules' answer."""
    cat = cat or catalogue()
    if model is None or not words or cat.type_named(words[0]) is not None:
        return Read(words_to_query(words, cat))
    question = " ".join(words)
    query = question_to_query(question, cat)
    if query is not None:
        return Read(query)
    return model(question) or Read(words_to_query(words, cat))
