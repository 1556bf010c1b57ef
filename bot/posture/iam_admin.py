"""Admin rights from IAM policy documents: which escalation paths a principal's statements
open, computed from the statements themselves (``iam_escalations.yaml``), not policy names.

A path is open when every action it needs is allowed on every resource (``*``, or a trailing
wildcard) by some Allow statement and not taken back by a Deny without conditions. Actions
may be wildcards (``iam:*``, ``*:*``); ``NotAction`` allows what it does not overlap.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError
from bot.yamlloc import load_yaml

PATHS_FILE = Path(__file__).with_name("iam_escalations.yaml")


class EscalationPath(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["admin", "escalation", "broad"] = "escalation"
    actions: list[str] = Field(min_length=1)
    summary: str


class _Paths(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[EscalationPath] = Field(min_length=1)


@lru_cache(maxsize=1)
def escalation_paths() -> tuple[EscalationPath, ...]:
    try:
        return tuple(_Paths.model_validate(load_yaml(PATHS_FILE.read_text())).paths)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{PATHS_FILE.name}: {exc}") from None


@dataclass(frozen=True)
class PolicyDocument:
    """One policy a principal holds: where it came from and its JSON document."""

    name: str  # "AdministratorAccess (managed)", "inline deploy", "group ops: …"
    document: dict[str, Any]


@dataclass(frozen=True)
class AdminRight:
    path: EscalationPath
    policies: tuple[str, ...]  # the policies whose statements grant it

    @property
    def summary(self) -> str:
        return f"{self.path.summary} (via {', '.join(self.policies)})"


@dataclass(frozen=True)
class _Statement:
    allow: bool
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    broad: bool  # applies to every resource
    conditional: bool
    policy: str


def _list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.lower(),)
    return tuple(str(v).lower() for v in value if isinstance(v, str))


def _split(action: str) -> tuple[str, str]:
    if action == "*":
        return "*", "*"
    service, _, name = action.partition(":")
    return service, name or "*"


def _covers(pattern: str, action: str) -> bool:
    """The pattern grants every action the (possibly wildcard) ``action`` names."""
    p_service, p_name = _split(pattern)
    a_service, a_name = _split(action)
    return fnmatch.fnmatchcase(a_service, p_service) and fnmatch.fnmatchcase(a_name, p_name)


def _overlaps(pattern: str, action: str) -> bool:
    """Some action is named by both."""
    p_service, p_name = _split(pattern)
    a_service, a_name = _split(action)

    def meet(x: str, y: str) -> bool:
        return fnmatch.fnmatchcase(x, y) or fnmatch.fnmatchcase(y, x)

    return meet(p_service, a_service) and meet(p_name, a_name)


def _broad(resources: Sequence[str]) -> bool:
    return any(r == "*" or r.endswith((":*", "/*")) for r in resources)


def _statements(policy: PolicyDocument) -> list[_Statement]:
    raw = policy.document.get("Statement", [])
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        resources = _list(item.get("Resource"))
        out.append(
            _Statement(
                allow=str(item.get("Effect", "")).lower() == "allow",
                actions=_list(item.get("Action")),
                not_actions=_list(item.get("NotAction")),
                broad="NotResource" in item or _broad(resources),
                conditional=bool(item.get("Condition")),
                policy=policy.name,
            )
        )
    return out


def _grants(st: _Statement, action: str) -> bool:
    if not st.broad:
        return False
    if st.actions:
        return any(_covers(p, action) for p in st.actions)
    if st.not_actions:
        return not any(_overlaps(p, action) for p in st.not_actions)
    return False


def _denies(st: _Statement, action: str) -> bool:
    if st.allow or st.conditional or not st.broad:
        return False
    if st.actions:
        return any(_overlaps(p, action) for p in st.actions)
    return bool(st.not_actions) and not any(_covers(p, action) for p in st.not_actions)


def admin_rights(
    policies: Iterable[PolicyDocument], paths: Sequence[EscalationPath] | None = None
) -> list[AdminRight]:
    """The escalation paths the policies open together, most powerful first (file order).
    A path implied by one already found (``iam:*`` once ``*:*`` holds) is not repeated."""
    statements = [st for p in policies for st in _statements(p)]
    allows = [st for st in statements if st.allow]
    denies = [st for st in statements if not st.allow]
    found: list[AdminRight] = []
    for path in paths or escalation_paths():
        granted_by: list[str] = []
        for action in (a.lower() for a in path.actions):
            if any(_denies(d, action) for d in denies):
                break
            by = [st.policy for st in allows if _grants(st, action)]
            if not by:
                break
            granted_by += by
        else:
            if not any(_implied(path, f.path) for f in found):
                found.append(AdminRight(path, tuple(dict.fromkeys(granted_by))))
    return found


def _implied(path: EscalationPath, stronger: EscalationPath) -> bool:
    """Every action ``path`` needs is covered by an action of ``stronger``."""
    return all(any(_covers(s.lower(), a.lower()) for s in stronger.actions) for a in path.actions)
