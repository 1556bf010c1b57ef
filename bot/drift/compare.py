"""One declared resource against its live twin: IaC values read through the mapping's shapes,
then compared by value type: sets item by item (added/removed), maps key by key, scalars as
expected vs actual. Tags AWS adds itself (``aws:…``) are not drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from integrations.aws.cloudformation import sg_rule

Change = Literal["added", "removed", "changed"]

MISSING = object()


@dataclass(frozen=True)
class Drift:
    """One difference. ``resource`` is the logical id or Terraform address, ``attribute`` is
    empty when the whole resource is gone, ``source`` the template line or ``state: address``."""

    origin: str  # "stack app" / "terraform.tfstate"
    resource: str
    type: str
    physical_id: str
    change: Change
    attribute: str
    expected: str
    actual: str
    source: str


def _tags_kv(value: Any) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in value or [] if isinstance(t, dict)}


def _tags_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


def _cfn_ingress(value: Any) -> set[str]:
    rules = set()
    for r in value or []:
        source = r.get("CidrIp") or r.get("CidrIpv6") or r.get("SourceSecurityGroupId")
        rules.add(sg_rule(r.get("IpProtocol", "-1"), r.get("FromPort"), r.get("ToPort"), source))
    return rules


def _tf_ingress(value: Any) -> set[str]:
    rules = set()
    for r in value or []:
        sources = [*(r.get("cidr_blocks") or []), *(r.get("ipv6_cidr_blocks") or [])]
        sources += r.get("security_groups") or []
        sources += ["self"] if r.get("self") else []
        proto, lo, hi = r.get("protocol", "-1"), r.get("from_port"), r.get("to_port")
        rules |= {sg_rule(proto, lo, hi, s) for s in sources}
    return rules


def _bool(value: Any) -> bool:
    return value.lower() == "true" if isinstance(value, str) else bool(value)


SHAPES: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": int,
    "bool": _bool,
    "tags_kv": _tags_kv,
    "tags_map": _tags_map,
    "cfn_ingress": _cfn_ingress,
    "tf_ingress": _tf_ingress,
}


def lookup(doc: Any, path: str) -> Any:
    """``doc`` at a dotted ``path`` (numbers index lists); ``MISSING`` when absent."""
    node = doc
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def unresolved(value: Any) -> bool:
    """A CloudFormation intrinsic (``Ref``, ``Fn::…``) or parameter: not comparable here."""
    if isinstance(value, dict):
        if len(value) == 1 and (k := next(iter(value))) and (k == "Ref" or k.startswith("Fn::")):
            return True
        return any(unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(unresolved(v) for v in value)
    return False


def declared(doc: Any, path: str, shape: str) -> Any:
    """The declared value in canonical form, or ``MISSING`` (absent or unresolvable)."""
    raw = lookup(doc, path)
    if raw is MISSING or raw is None or unresolved(raw):
        return MISSING
    try:
        return SHAPES[shape](raw)
    except (TypeError, ValueError, KeyError, AttributeError):
        return MISSING


def _show(value: Any) -> str:
    return "(none)" if value is None else str(value)


def differences(name: str, expected: Any, actual: Any) -> list[tuple[Change, str, str, str]]:
    """(change, attribute, expected, actual) for one attribute."""
    if isinstance(expected, set):
        live = actual if isinstance(actual, set) else set()
        out: list[tuple[Change, str, str, str]] = [
            ("added", name, "(none)", rule) for rule in sorted(live - expected)
        ]
        return out + [("removed", name, rule, "(none)") for rule in sorted(expected - live)]
    if isinstance(expected, dict):
        live_map = {k: v for k, v in (actual or {}).items() if not str(k).startswith("aws:")}
        out = []
        for key in sorted(set(expected) | set(live_map)):
            want, got = expected.get(key), live_map.get(key)
            if want == got:
                continue
            change: Change = "added" if want is None else "removed" if got is None else "changed"
            out.append((change, f"{name}.{key}", _show(want), _show(got)))
        return out
    if expected != actual:
        return [("changed", name, _show(expected), _show(actual))]
    return []
