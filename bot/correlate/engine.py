"""The correlator: groups alerts into incidents, in memory, with no I/O.

Strategies, in order of strength (the strongest match wins; ties go to the most recent group):

1. ``known``: a repeat of an alert already in an open group stays there.
2. ``same_service``: an open group already holds an alert of the same service.
3. ``label``: an open group holds an alert with the same identity label (host, pod, deployment,
   resource; see ``IDENTITY_FAMILIES``).
4. ``topology``: an open group holds a service that this alert's service depends on, or that
   depends on it (directed paths only, up to ``topology_depth`` hops); or (``call``) the alert
   is about a traced call and an open group holds its other end (an edge, with or without a
   configured topology). When the alert's service is upstream of services in SEVERAL open
   groups (a callee of a traced call is upstream of its caller), those groups are symptoms of
   one cause and are merged (``Placement.merged``): siblings that failed before their shared
   dependency alerted become one incident once it does.
5. ``name``: for alerts naming no service, an open group of alerts with the same name.

Every strategy is bounded by the time ``window`` (since the group's last alert) and never crosses
environments (``env``/``environment``/``stage`` values that differ). Candidates come from indexes
keyed by service, identity label and name, so the cost of one alert does not grow with the number
of open groups. Manual ``merge`` and ``split`` override the strategies.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from bot.correlate.calls import is_call, read_call
from bot.correlate.elect import StormVerdict
from bot.correlate.entities import EntityMap
from bot.correlate.group import Group
from bot.correlate.index import GroupIndex
from bot.correlate.labels import env_of, identity_tokens
from bot.correlate.models import (
    AlertFacts,
    AlertRef,
    CorrelationConfig,
    GroupView,
    Placement,
)
from bot.correlate.root import Member, choose_root, root_of_services
from bot.correlate.storm import StormEvidence
from bot.errors import NotFound, UserError
from bot.topology import Topology


class Correlator:
    """Stateful, single-threaded grouping engine. Callers serialise access (one writer)."""

    def __init__(
        self,
        topology: Topology | None = None,
        *,
        config: CorrelationConfig | None = None,
        key_factory: Callable[[AlertFacts], str] | None = None,
    ) -> None:
        self.topology = topology or Topology()
        self.config = config or CorrelationConfig()
        counter = itertools.count(1)
        self._key_factory = key_factory or (lambda _a: f"g{next(counter)}")
        self._entities = EntityMap(self.topology.services)
        self._groups: dict[str, Group] = {}
        self._alert_group: dict[AlertRef, str] = {}
        self._index = GroupIndex()
        self._seq = itertools.count()
        self._apart: set[frozenset[str]] = set()  # split by a person: never auto-merged

    # --- queries
    @property
    def open_count(self) -> int:
        return sum(1 for g in self._groups.values() if g.open)

    def __contains__(self, key: object) -> bool:
        return key in self._groups

    def group_of(self, alert_id: AlertRef) -> str | None:
        return self._alert_group.get(alert_id)

    def view(self, key: str) -> GroupView:
        g = self._get(key)
        ordered = sorted(g.members.values(), key=lambda m: m.seq)
        return GroupView(
            key=g.key,
            alerts=tuple(m.id for m in ordered),
            services=tuple(sorted(g.services)),
            root_alert=g.root,
            first_at=g.first_at,
            last_at=g.last_at,
            open=g.open,
        )

    def summary(self, key: str) -> tuple[tuple[str, ...], AlertRef | None]:
        """``(services sorted, root alert)`` of a group: ``view`` without ordering members."""
        g = self._get(key)
        return tuple(sorted(g.services)), g.root

    def storm_verdict(self, key: str) -> StormVerdict | None:
        """Why a storm group's root was elected (basis, confidence, runner-up); ``None`` for a
        group that is not a detector storm."""
        g = self._get(key)
        return g.storm.verdict(self.topology) if g.storm is not None else None

    def views(self) -> list[GroupView]:
        return [self.view(k) for k in self._groups]

    # --- placing alerts
    def place(self, alert: AlertFacts) -> Placement:
        known = self._alert_group.get(alert.id)
        if known is not None and self._groups[known].open:
            g = self._groups[known]
            g.last_at = max(g.last_at, alert.at)
            if not g.indexed:
                self._index.rebuild(g)
            return self._placement(g, False, "known", g.root)
        if known is not None:  # its old group is closed: the alert starts over
            self._remove_member(self._groups[known], alert.id)
        best, reason, absorbed = self._best_group(alert)
        created = best is None
        if best is not None:
            g = best
        else:
            key = self._key_factory(alert)
            if key in self._groups:
                raise UserError(f"group key {key!r} already in use")
            g = Group(key=key, first_at=alert.at, last_at=alert.at)
            self._groups[key] = g
            reason = "new"
        before = g.root
        self._add_member(g, alert)
        for other in absorbed:
            self.merge(g.key, other)
        return self._placement(g, created, reason, before, tuple(absorbed))

    def _placement(
        self,
        g: Group,
        created: bool,
        reason: str,
        before: AlertRef | None,
        merged: tuple[str, ...] = (),
    ) -> Placement:
        assert g.root is not None
        return Placement(
            key=g.key,
            created=created,
            reason=reason,
            root_alert=g.root,
            root_changed=created or before != g.root,
            services=tuple(sorted(g.services)),
            merged=merged,
        )

    def _usable(self, key: str, alert: AlertFacts, env: str | None) -> Group | None:
        g = self._groups.get(key)
        if g is None or not g.open:
            return None
        if alert.at - g.last_at > self.config.window:
            self._index.remove(g)  # dormant: it can no longer take alerts
            return None
        if env and g.envs and env not in g.envs:
            return None
        return g

    def _best_group(self, alert: AlertFacts) -> tuple[Group | None, str, list[str]]:
        """The strongest usable group, why, and the other groups this alert's service is
        upstream of (symptoms of the same cause: they are merged into the chosen group)."""
        env = env_of(alert.labels)
        found: dict[str, tuple[int, str]] = {}
        explained: set[str] = set()

        def consider(keys: Iterable[str], strength: int, reason: str) -> None:
            for key in list(keys):
                if key in found and found[key][0] >= strength:
                    continue
                if self._usable(key, alert, env) is not None:
                    found[key] = (strength, reason)

        if alert.service:
            consider(self._index.by_service.get(alert.service, ()), 4, "same_service")
        if self.config.use_labels:
            for token in identity_tokens(alert.labels):
                consider(self._index.by_token.get(token, ()), 3, f"label:{token[0]}")
        if alert.service and self.config.use_topology:
            depth = self.config.topology_depth
            below = self.topology.downstream(alert.service, depth)
            near = self.topology.upstream(alert.service, depth) | below
            for other in near:
                keys = self._index.by_service.get(other)
                if keys:
                    consider(keys, 2, f"topology:{other}")
                    if other in below:
                        explained.update(k for k in keys if k in found)
        if self.config.use_topology:
            if alert.service:
                self._entities.learn((alert.service,))
            call = read_call(alert, self._entities)
            for other in (call.caller, call.callee) if call else ():
                if other != alert.service:  # a traced call is an edge, topology or not
                    keys = self._index.by_service.get(other, set())
                    consider(keys, 2, f"call:{other}")
                    if call is not None and other == call.caller:  # its callers' symptoms
                        explained.update(k for k in keys if k in found)
        if not alert.service:
            consider(self._index.by_name.get(alert.name, ()), 1, "name")
        if not found:
            return None, "new", []
        best = max(found, key=lambda k: (found[k][0], self._groups[k].last_at))
        others = sorted(
            (k for k in explained - {best} if frozenset((k, best)) not in self._apart),
            key=lambda k: self._groups[k].first_at,
        )
        return self._groups[best], found[best][1], others

    # --- membership and indexes
    def _add_member(self, g: Group, alert: AlertFacts) -> None:
        member = Member(id=alert.id, service=alert.service, seq=next(self._seq))
        g.count_in(member, alert)
        self._alert_group[alert.id] = g.key
        new_service = bool(alert.service) and alert.service not in g.first
        if alert.service and new_service:
            g.first[alert.service] = member
        storm = self._storm_update(g, member, alert)
        if storm is not None:
            g.root = storm.root(self.topology) or g.root
        elif new_service:
            self._root_from_first(g)
        elif g.root is None:
            self._recompute_root(g)
        if g.indexed:
            self._index.add_alert(g, alert)
        else:
            self._index.rebuild(g)

    def _remove_member(self, g: Group, alert_id: AlertRef) -> AlertFacts:
        return self._take(g, [alert_id])[0]

    def _take(self, g: Group, alert_ids: Iterable[AlertRef]) -> list[AlertFacts]:
        """Remove several members at once, in arrival order; the root is recomputed once (per
        member, a merge or split of a storm would replay the group once per alert it moves)."""
        self._index.remove(g)
        ids = sorted(alert_ids, key=lambda a: g.members[a].seq)
        taken = [g.count_out(a) for a in ids]
        for a in ids:
            self._alert_group.pop(a, None)
        if g.members:
            self._recompute_root(g)
        else:
            g.first, g.storm, g.root = {}, None, None
        self._index.rebuild(g)
        return taken

    def _storm_update(self, g: Group, member: Member, alert: AlertFacts) -> StormEvidence | None:
        """Feed a storm's evidence; a group becomes a storm with its first call between two
        services (its earlier alerts are replayed into the evidence then). Other groups pay
        one label lookup per alert."""
        if g.storm is not None:
            g.storm.add(member.seq, alert)
            return g.storm
        if alert.service:
            self._entities.learn((alert.service,))
        if not is_call(alert, self._entities):
            return None
        g.storm = StormEvidence(self._entities, config=self.config)
        for m in sorted(g.members.values(), key=lambda m: m.seq):
            g.storm.add(m.seq, g.facts[m.id])
        return g.storm

    def _recompute_root(self, g: Group) -> None:
        g.first = {}
        g.storm = None
        for m in sorted(g.members.values(), key=lambda m: m.seq):
            if m.service and m.service not in g.first:
                g.first[m.service] = m
            self._storm_update(g, m, g.facts[m.id])
        g.root = (g.storm.root(self.topology) if g.storm else None) or choose_root(
            list(g.members.values()), self.topology, self.config.topology_depth
        )

    def _root_from_first(self, g: Group) -> None:
        g.root = root_of_services(g.first, self.topology, self.config.topology_depth)

    def _get(self, key: str) -> Group:
        g = self._groups.get(key)
        if g is None:
            raise NotFound(f"no incident group {key!r}")
        return g

    # --- lifecycle and manual operations
    def close(self, key: str) -> None:
        """The incident is resolved: its group takes no more alerts."""
        g = self._get(key)
        self._index.remove(g)
        g.open = False

    def reopen(self, key: str) -> None:
        g = self._get(key)
        g.open = True
        self._index.rebuild(g)

    def merge(self, into: str, other: str) -> GroupView:
        """Move every alert of ``other`` into ``into``; ``other`` is closed and emptied."""
        if into == other:
            raise UserError("cannot merge an incident into itself")
        target, source = self._get(into), self._get(other)
        for facts in self._take(source, list(source.members)):
            self._add_member(target, facts)
        self.close(other)
        return self.view(into)

    def split(self, key: str, alert_ids: Iterable[AlertRef], new_key: str) -> GroupView:
        """Move ``alert_ids`` out of group ``key`` into a new group ``new_key``."""
        g = self._get(key)
        ids = list(dict.fromkeys(alert_ids))
        missing = [a for a in ids if a not in g.members]
        if missing:
            raise UserError(f"alerts {missing} are not in incident group {key!r}")
        if not ids or len(ids) == len(g.members):
            raise UserError("a split must leave at least one alert on each side")
        if new_key in self._groups:
            raise UserError(f"group key {new_key!r} already in use")
        moved = self._take(g, ids)
        first = min(f.at for f in moved)
        fresh = Group(key=new_key, first_at=first, last_at=max(f.at for f in moved))
        self._groups[new_key] = fresh
        self._apart.add(frozenset((key, new_key)))
        for facts in moved:
            self._add_member(fresh, facts)
        return self.view(new_key)

    def add(self, key: str, alert: AlertFacts) -> None:
        """Put ``alert`` in group ``key`` as another writer did (out of its old group, if any)."""
        g, old = self._get(key), self._groups.get(self._alert_group.get(alert.id, ""))
        if old is g:
            return
        if old is not None and alert.id in old.members:
            self._remove_member(old, alert.id)
        self._add_member(g, alert)

    def forget(self, key: str) -> None:
        """Drop a group and its alerts' membership (another writer changed it: the caller
        restores it from the rows). Unknown keys are ignored."""
        g = self._groups.pop(key, None)
        if g is None:
            return
        self._index.remove(g)
        for alert_id in g.members:
            if self._alert_group.get(alert_id) == key:
                del self._alert_group[alert_id]

    def restore(self, key: str, alerts: Iterable[AlertFacts], *, open: bool = True) -> None:
        """Rebuild a group from stored rows (at start-up), in arrival order; replaces ``key``."""
        self.forget(key)
        items = list(alerts)
        if not items:
            return
        g = Group(key=key, first_at=items[0].at, last_at=items[0].at)
        self._groups[key] = g
        for facts in items:
            self._add_member(g, facts)
        if not open:
            self.close(key)
