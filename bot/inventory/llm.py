"""An inventory question the rules could not map, read by Claude (only when a key is set).

The rules (``bot.inventory.ask``) go first. When they find no resource type and a client is
configured, the model is asked once, with ``tool_choice`` forcing one call of
``inventory_query``: a type from the catalogue and filters (key, operator, value), plus the
assumptions it made. Nothing it says is trusted: the type must be one of the catalogue's, and
each filter's key one a listing of that type can read (``id``, ``name``, ``state``,
``region``, ``tag:KEY``, a column of the type, or a key the catalogue's question words use);
anything else is refused with a ``UserError`` naming it. An API error or a timeout returns
None: the caller answers as the rules would.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from bot.errors import UserError
from bot.inventory.ask import Read, Reader
from bot.inventory.catalogue import Catalogue, catalogue
from bot.inventory.query import Filter, InventoryQuery, Op, parse_filter

log = logging.getLogger(__name__)

TOOL_NAME = "inventory_query"
MAX_FILTERS = 5
MAX_TOKENS = 400
SYSTEM = (
    "You map a person's question about cloud resources to one inventory query. Call "
    f"{TOOL_NAME} once: the resource type that answers it, the filters it implies, and in "
    "'assumed' what you assumed (a word you read as an environment, a state). Use only the "
    "types and filter keys listed; if the question asks for something else, pick the closest "
    "type and say so in 'assumed'."
)
ALWAYS_KEYS = ("id", "name", "state", "region")
_TAG_KEY = re.compile(r"^tag:[A-Za-z0-9_.:/=+@-]{1,64}$")


def tool(cat: Catalogue) -> dict[str, Any]:
    """The tool's strict schema: the type is an enum of the catalogue's."""
    return {
        "name": TOOL_NAME,
        "description": "List resources of one type, filtered.",
        "input_schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type", "filters", "assumed"],
            "properties": {
                "type": {"type": "string", "enum": cat.names},
                "filters": {
                    "type": "array",
                    "maxItems": MAX_FILTERS,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["key", "op", "value"],
                        "properties": {
                            "key": {"type": "string"},
                            "op": {"type": "string", "enum": ["=", "!=", "~"]},
                            "value": {"type": "string", "maxLength": 128},
                        },
                    },
                },
                "assumed": {"type": "string", "maxLength": 300},
            },
        },
    }


def _keys(cat: Catalogue, type_name: str) -> set[str]:
    [rtype] = [t for t in cat.types if t.type == type_name]
    worded = {parse_filter(w.filter).key for w in cat.words}
    return {*ALWAYS_KEYS, *rtype.columns, *worded}


def _prompt(question: str, cat: Catalogue) -> str:
    lines = [f"Question: {question.strip()[:500]}", "Types and their filter keys:"]
    for t in cat.types:
        lines.append(
            f"- {t.type} ({', '.join(t.aliases)}): {', '.join(sorted(_keys(cat, t.type)))}"
        )
    lines.append("Any type also takes tag:KEY.")
    return "\n".join(lines)


def validated(raw: Any, cat: Catalogue) -> Read:
    """The tool call's input as a query, or a ``UserError`` naming what was refused."""
    if not isinstance(raw, dict):
        raise UserError("The model's reading of the question was not a query; refused.")
    rtype = next((t for t in cat.types if t.type == raw.get("type")), None)
    if rtype is None:
        raise UserError(
            f"The model read the question as type {str(raw.get('type'))[:40]!r}, which the "
            f"inventory does not have; refused.", hint=f"one of: {', '.join(cat.names)}",
        )  # fmt: skip
    keys = _keys(cat, rtype.type)
    filters: list[Filter] = []
    for item in (raw.get("filters") or [])[:MAX_FILTERS]:
        if not isinstance(item, dict) or item.get("op") not in ("=", "!=", "~"):
            raise UserError("The model gave a filter that is not key, operator, value; refused.")
        key, value = str(item.get("key", "")), str(item.get("value", ""))[:128]
        if key not in keys and not _TAG_KEY.match(key):
            raise UserError(
                f"The model filtered {rtype.type} by {key[:40]!r}, which a listing cannot read; "
                "refused.", hint=f"keys: {', '.join(sorted(keys))} or tag:KEY",
            )  # fmt: skip
        filters.append(Filter(key, cast(Op, item["op"]), value))
    return Read(InventoryQuery(rtype, tuple(filters)), str(raw.get("assumed") or "")[:300])


def map_question(
    question: str, client: Any, model: str, timeout_s: float, cat: Catalogue | None = None
) -> Read | None:
    """One forced tool call; None on an API error, a timeout or no tool call (the rules'
    answer stands); a ``UserError`` when the call names what the inventory cannot list."""
    cat = cat or catalogue()
    try:
        reply = client.messages.create(
            model=model, max_tokens=MAX_TOKENS, system=SYSTEM, tools=[tool(cat)],
            tool_choice={"type": "tool", "name": TOOL_NAME},
            messages=[{"role": "user", "content": _prompt(question, cat)}],
            timeout=timeout_s,
        )  # fmt: skip
    except Exception as exc:  # the SDK's errors and timeouts: the rules' answer stands
        log.info("inventory question not mapped by the model: %s", type(exc).__name__)
        return None
    call = next((b for b in reply.content if getattr(b, "type", "") == "tool_use"), None)
    if call is None or call.name != TOOL_NAME:
        return None
    return validated(call.input, cat)


def reader(settings: Any, cat: Catalogue | None = None) -> Reader | None:
    """The model as a ``Reader`` when ``ANTHROPIC_API_KEY`` is set, else None (rules only)."""
    key = getattr(settings, "anthropic_api_key", None)
    if key is None:
        return None
    import anthropic

    client = anthropic.Anthropic(
        api_key=key.get_secret_value(), base_url=settings.anthropic_base_url, max_retries=0
    )
    model, timeout = settings.aiops_anthropic_model, float(settings.aiops_llm_timeout_s)
    return lambda question: map_question(question, client, model, timeout, cat)
