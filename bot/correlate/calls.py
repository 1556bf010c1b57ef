"""What a traced-call alert says: the two services (and entities) of the anomalous call it is
about. ``caller``/``callee`` labels name the ends; a client-side span (both ends the caller) is a
call into the service its ``operation`` names (``pkg.CartService/GetCart`` -> ``cartservice``),
resolved through ``EntityMap`` (pods, replicas -> services; see ``bot.correlate.entities``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.correlate.entities import EntityMap
from bot.correlate.models import CALLEE_KEYS, CALLER_KEYS, OPERATION_KEYS, AlertFacts

_WORDS = re.compile(r"[A-Za-z0-9_-]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def label(labels: object, keys: tuple[str, ...]) -> str | None:
    get = getattr(labels, "get", None)
    if get is None:
        return None
    for key in keys:
        value = get(key)
        if value:
            return str(value)
    return None


def operation_service(operation: str | None, entities: EntityMap) -> str | None:
    """The known service an operation label names (``pkg.CartService/GetCart (rpc)``), if any:
    each word as written, then in kebab case (``CartService`` → ``cart-service``)."""
    for word in _WORDS.findall(operation or ""):
        for text in (word, _CAMEL.sub("-", word)):
            found = entities.service_of(text)
            if found:
                return found
    return None


def _method(operation: str | None, fallback: str) -> str:
    if not operation:
        return fallback.lower()
    return operation.rsplit("/", 1)[-1].split(" ", 1)[0].lower() or fallback.lower()


@dataclass(frozen=True)
class Call:
    caller: str  # caller service
    callee: str  # callee service
    caller_entity: str
    callee_entity: str
    method: str
    server: bool  # seen on the callee's side (its entity named), not only from the caller


def read_call(alert: AlertFacts, entities: EntityMap) -> Call | None:
    """The anomalous call an alert is about, between two different known services."""
    labels = alert.labels
    caller_label = label(labels, CALLER_KEYS)
    caller = entities.service_of(caller_label)
    if caller is None or caller_label is None:
        return None
    callee_label = label(labels, CALLEE_KEYS)
    callee = entities.service_of(callee_label)
    operation = label(labels, OPERATION_KEYS)
    method = _method(operation, alert.name)
    if callee is not None and callee_label and callee != caller:
        return Call(caller, callee, caller_label.lower(), callee_label.lower(), method, True)
    if callee is None and callee_label:
        return None  # a callee nobody knows: no edge is invented
    named = operation_service(operation, entities)
    if named is None or named == caller:
        return None
    return Call(caller, named, caller_label.lower(), named.lower(), method, False)


def is_call(alert: AlertFacts, entities: EntityMap) -> bool:
    """The alert is about a traced call between two different known services."""
    return read_call(alert, entities) is not None
