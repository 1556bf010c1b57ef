"""Kubernetes label and field selectors, parsed the way the API server reads query strings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Matcher = Callable[[Mapping[str, str]], bool]

_SET_EXPR = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_EXPR = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([^,=!\s]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*$")


class SelectorError(ValueError):
    """The selector does not parse; the message says which part."""


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside ``in (…)`` parentheses."""
    terms: list[str] = []
    depth, current = 0, list[str]()
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return [term for term in terms if term.strip()]


def _term(term: str) -> Matcher:
    if match := _SET_EXPR.match(term):
        key, op, raw = match.groups()
        values = {value.strip() for value in raw.split(",") if value.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _EQ_EXPR.match(term):
        key, op, value = match.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if match := _EXISTS.match(term):
        negate, key = match.groups()
        if negate:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise SelectorError(f"unable to parse requirement: {term.strip()!r}")


def parse_selector(selector: str | None) -> Matcher:
    """A predicate over a label (or field) mapping; empty selects everything."""
    if not selector or not selector.strip():
        return lambda labels: True
    matchers = [_term(term) for term in _split_terms(selector)]
    return lambda labels: all(matcher(labels) for matcher in matchers)


def pod_fields(pod: Mapping[str, Any]) -> dict[str, str]:
    """The fields a pod field selector may name."""
    meta, spec, status = pod["metadata"], pod["spec"], pod["status"]
    return {
        "metadata.name": meta["name"],
        "metadata.namespace": meta["namespace"],
        "spec.nodeName": spec.get("nodeName") or "",
        "spec.restartPolicy": spec.get("restartPolicy") or "",
        "status.phase": status.get("phase") or "",
    }


def event_fields(event: Mapping[str, Any]) -> dict[str, str]:
    """The fields an event field selector may name."""
    obj = event["involvedObject"]
    return {
        "metadata.name": event["metadata"]["name"],
        "metadata.namespace": event["metadata"]["namespace"],
        "involvedObject.kind": obj.get("kind") or "",
        "involvedObject.name": obj.get("name") or "",
        "involvedObject.namespace": obj.get("namespace") or "",
        "involvedObject.uid": obj.get("uid") or "",
        "reason": event.get("reason") or "",
        "type": event.get("type") or "",
        "source": (event.get("source") or {}).get("component") or "",
    }


def object_fields(obj: Mapping[str, Any]) -> dict[str, str]:
    """The fields every object supports: name and namespace."""
    meta = obj["metadata"]
    return {"metadata.name": meta["name"], "metadata.namespace": meta.get("namespace") or ""}


def check_field_selector(selector: str | None, allowed: Mapping[str, str]) -> None:
    """Reject field selectors naming fields the kind does not support, as the API server does."""
    for term in _split_terms(selector or ""):
        match = _EQ_EXPR.match(term)
        if not match:
            raise SelectorError(f"invalid field selector: {term.strip()!r}")
        if match.group(1) not in allowed:
            raise SelectorError(f'field label not supported: "{match.group(1)}"')
