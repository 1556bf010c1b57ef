"""The names a question types → the services they mean, over the service graph.

People name what they see, not what the graph calls it: a pod (``web-7c9f8d6b5-x2k4q``, whose
deployment is ``web``), a shorter name (``payment-api`` for ``payment-api-101``), a Kubernetes
namespace (``app-7``: the workloads in it), or a close spelling. Each name-like word of the
question is matched in that order; a match says how it was made, so the answer can state what was
assumed ("assumed you meant deployment payment-api-101 (closest name to 'payment-api')").

Only structure is used: Kubernetes' naming of the pods a controller creates (a ReplicaSet's
pod-template hash and a random suffix, a StatefulSet's ordinal), the names, resources and
namespaces of the graph's nodes, and a similarity threshold. No service is named here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.topology import ServiceNode, Topology

# the suffixes Kubernetes appends to the pods a controller creates: Deployment → ReplicaSet
# (pod-template hash, then a 5-character random suffix), ReplicaSet/Job/DaemonSet alone (the
# random suffix), StatefulSet (an ordinal). The alphabet is Kubernetes' "safe" one (no vowels
# and no 0/1/3 in the random part), but any lower-case alnum is accepted here.
_POD_SUFFIXES = (
    re.compile(r"^(?P<base>.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$"),
    re.compile(r"^(?P<base>.+)-[a-z0-9]{5}$"),
    re.compile(r"^(?P<base>.+)-\d{1,4}$"),
)
_NAMEISH = re.compile(r"\b[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+\b")
FUZZY_CUTOFF = 0.82  # difflib ratio a close spelling must reach
MAX_SERVICES = 8  # a prefix that fits more is too vague to assume (a namespace named is not)


@dataclass(frozen=True)
class NameMatch:
    word: str  # the word of the question
    services: tuple[str, ...]
    how: str  # exact | pod | prefix | namespace | fuzzy
    note: str  # what was assumed, one clause


@dataclass(frozen=True)
class NameResolution:
    matches: list[NameMatch] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # name-like words that matched nothing

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(s for m in self.matches for s in m.services))

    @property
    def assumed(self) -> str:
        notes = [m.note for m in self.matches if m.how != "exact"]
        return ("Assumed " + "; ".join(notes) + ".") if notes else ""


def name_words(query: str) -> list[str]:
    """The name-like words of a question (``a-b``, ``a_b``, ``a.b``), backquotes dropped."""
    return list(dict.fromkeys(_NAMEISH.findall(query.lower().replace("`", " "))))


def _label(node: ServiceNode) -> str:
    kind = node.kind.replace("k8s_", "").replace("_", " ")
    return f"{kind} {node.name}" if kind != "external" else node.name


def _exact(topo: Topology, word: str) -> ServiceNode | None:
    return topo.get(word) or topo.by_resource(word)


def _pod_owner(topo: Topology, word: str) -> ServiceNode | None:
    """The workload whose controller would name a pod ``word``."""
    for pattern in _POD_SUFFIXES:
        found = pattern.match(word)
        if found and (node := _exact(topo, found.group("base"))):
            return node
    return None


def _in_namespace(topo: Topology, namespaces: set[str]) -> list[ServiceNode]:
    return [n for n in topo.services.values() if n.namespace and n.namespace in namespaces]


def _prefixed(topo: Topology, word: str, scope: list[ServiceNode]) -> list[ServiceNode]:
    """Services whose name or resource starts with ``word`` at a separator (``payment-api`` →
    ``payment-api-101``), or is ``word`` with a trailing part dropped (``payment-api-v2`` →
    ``payment-api``); within the question's namespaces when it names any."""
    pool = scope or list(topo.services.values())
    out = []
    for node in pool:
        for token in (node.name, node.resource):
            longer = token.startswith(word) and token[len(word) : len(word) + 1] in {"-", "_", "."}
            shorter = word.startswith(token) and word[len(token) : len(token) + 1] in {"-", "_"}
            if longer or (shorter and len(token) >= 3):
                out.append(node)
                break
    return out


def _fuzzy(topo: Topology, word: str, scope: list[ServiceNode]) -> list[ServiceNode]:
    pool = scope or list(topo.services.values())
    by_token: dict[str, ServiceNode] = {}
    for node in pool:
        for token in (node.name, node.resource):
            by_token.setdefault(token, node)
    close = difflib.get_close_matches(word, sorted(by_token), n=1, cutoff=FUZZY_CUTOFF)
    return [by_token[close[0]]] if close else []


def _names(nodes: Iterable[ServiceNode]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.name for n in nodes))


def match_name(topo: Topology, word: str, namespaces: set[str] | None = None) -> NameMatch | None:
    """One name-like word → the services it means, or None when nothing fits."""
    scope = _in_namespace(topo, namespaces or set())
    node = _exact(topo, word)
    if node and (not scope or node in scope):
        return NameMatch(word, (node.name,), "exact", f"{word!r} is {_label(node)}")
    if node:  # the name exists, in another namespace than the question's: a name in it first
        inside = _prefixed(topo, word, scope)
        if inside and len(inside) <= MAX_SERVICES:
            return NameMatch(
                word,
                _names(inside),
                "prefix",
                f"you meant {', '.join(_label(n) for n in inside)} in the namespace named "
                f"(closest name to {word!r})",
            )
        return NameMatch(word, (node.name,), "exact", f"{word!r} is {_label(node)}")
    if node := _pod_owner(topo, word):
        return NameMatch(
            word,
            (node.name,),
            "pod",
            f"{word!r} is a pod of {_label(node)} (its name is the workload's plus the "
            "suffix Kubernetes gives the pods it creates)",
        )
    workloads = _in_namespace(topo, {word})
    if workloads:  # a namespace named exactly is no guess: all its workloads, however many
        names = _names(workloads)
        return NameMatch(
            word, names, "namespace", f"namespace {word!r} means its workloads {', '.join(names)}"
        )
    prefixed = _prefixed(topo, word, scope)
    if prefixed and len(prefixed) <= MAX_SERVICES:
        names = _names(prefixed)
        return NameMatch(
            word,
            names,
            "prefix",
            f"you meant {', '.join(_label(n) for n in prefixed)} (closest name to {word!r})",
        )
    close = _fuzzy(topo, word, scope)
    if close:
        return NameMatch(
            word,
            _names(close),
            "fuzzy",
            f"you meant {_label(close[0])} (closest spelling to {word!r})",
        )
    return None


def resolve_names(topo: Topology, query: str, ignore: Iterable[str] = ()) -> NameResolution:
    """Every name-like word of ``query`` matched; a namespace it names narrows the others."""
    skip = {w.lower() for w in ignore}
    words = [w for w in name_words(query) if w not in skip]
    namespaces = {w for w in words if _in_namespace(topo, {w})}
    matches: list[NameMatch] = []
    unknown: list[str] = []
    for word in words:
        found = match_name(topo, word, namespaces)
        if found is None:
            unknown.append(word)
        else:
            matches.append(found)
    # a namespace alone means its workloads; beside a narrower name it only scopes that name
    narrower = [m for m in matches if m.how != "namespace"]
    if narrower:
        matches = narrower
    return NameResolution(matches, unknown)
