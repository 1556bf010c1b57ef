"""Generated scenarios for ``bench_generated.py``: a random production, one fault, noise, truth.

``generate(fault_class, seed)`` returns the scenario as a dict in the format of SCENARIOS.md
(truth included), and ``to_loaded`` validates it through the sandbox's own loader. Each draw:

- **topology**: an entry service, 4-12 services in 2-4 levels with shared callees, one or two
  datastores (a Postgres or MySQL RDS instance, an in-cluster cache or queue), sometimes a
  third-party endpoint; every name is made up from syllables, so no rule can know it;
- **one fault** at a random place (``scenario_faults.py``: one class per failure kind of issue 15),
  written the way the real systems print it (the Kubernetes API's reasons and messages, the
  runtimes' and databases' own error lines);
- **propagation**: every transitive caller of the failing service gets errors or latency and
  log lines naming the callee it calls, later than the cause, and the entry alerts;
- **noise**, each drawn at random: an unrelated recent change (a log-level change, a feature flag
  on another service, a deploy to a caller after the symptom), a healthy service with steady old
  error lines, an extra low-severity alert elsewhere;
- **truth**: root service and kind, and the fix when a registry write is the right one (none
  when the cause is outside or no write can help).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from sandbox.scenario import LoadedScenario, parse_scenario_text

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr",
           "gl", "kr", "pl", "tr", "sk", "zh", "qu", "fl"]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
_CODAS = ["", "", "n", "r", "x", "l", "m", "th", "sk", "nd"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
STYLES = ("go", "java", "python", "node")
#: words of service names that rules might know: a drawn name holding one is drawn again
KNOWN_WORDS = re.compile(
    r"api|db|sql|redis|cache|pay|order|cart|auth|user|web|gateway|queue|search|proxy|edge|front"
    r"|back|node|pod|kube|aws|prod|test|log|mail|sms|ssl|tls|dns|disk|mem|cpu|pool|bank|shop"
)


def word(rng: random.Random, syllables: int | None = None) -> str:
    """A made-up pronounceable word (``vorpex``, ``kleimandu``)."""
    n = syllables or rng.choice([2, 2, 3])
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(n)) + rng.choice(_CODAS)


def pod_suffix(rng: random.Random) -> str:
    """A ReplicaSet hash and a pod suffix as Kubernetes makes them (``7d9f8c6b5d-x2k4p``)."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    rs = "".join(rng.choice(alphabet) for _ in range(rng.choice([9, 10])))
    return rs + "-" + "".join(rng.choice(alphabet) for _ in range(5))


def mins(m: float) -> str:
    """An offset from ``now`` in whole seconds (``-1500s``)."""
    return f"{round(m * 60)}s" if m >= 0 else f"-{round(-m * 60)}s"


@dataclass
class Svc:
    """One service of the generated production."""

    name: str
    tier: str  # edge | app | data | cache | queue | external
    level: int
    style: str = "go"  # how its logs read
    depends_on: list[str] = field(default_factory=list)
    engine: str = ""  # data: postgres | mysql; cache: redis; queue: rabbitmq
    host: str = ""  # external: the provider's API host
    pods: list[str] = field(default_factory=list)
    container: str = "app"
    port: int = 8080

    @property
    def k8s(self) -> bool:
        return self.tier not in ("data", "external")


@dataclass
class Topology:
    namespace: str
    services: list[Svc]

    def get(self, name: str) -> Svc:
        return next(s for s in self.services if s.name == name)

    def callers(self, name: str) -> list[Svc]:
        return [s for s in self.services if name in s.depends_on]

    def ancestors(self, name: str) -> list[tuple[Svc, Svc, int]]:
        """Every transitive caller of ``name`` as ``(caller, the callee it calls on the way,
        distance)``, nearest first."""
        out: list[tuple[Svc, Svc, int]] = []
        seen = {name}
        frontier = [(self.get(name), 0)]
        while frontier:
            nxt = []
            for callee, d in frontier:
                for c in self.callers(callee.name):
                    if c.name not in seen:
                        seen.add(c.name)
                        out.append((c, callee, d + 1))
                        nxt.append((c, d + 1))
            frontier = nxt
        return out

    @property
    def entry(self) -> Svc:
        return self.services[0]

    def of_tier(self, *tiers: str) -> list[Svc]:
        return [s for s in self.services if s.tier in tiers]


def random_topology(rng: random.Random, *, external: bool | None = None) -> Topology:
    """An entry, 4-12 services in 2-4 levels (each service below the entry has a caller one level
    up, some have two: shared callees), one or two datastores under the deepest apps, and with
    ``external`` (random when None) a third-party endpoint called by one or two apps."""
    names: set[str] = set()

    def fresh(suffix: str = "") -> str:
        while True:
            base = word(rng)
            name = f"{base}-{word(rng, 1)}" if rng.random() < 0.4 else base
            name += suffix
            if name not in names and 4 <= len(name) <= 24 and not KNOWN_WORDS.search(name):
                names.add(name)
                return name

    total = rng.randint(4, 12)
    depth = rng.randint(2, 4)
    stores = 1 if total < 7 else rng.choice([1, 2])
    apps = max(depth, total - stores)  # entry included
    levels: list[list[Svc]] = [[Svc(fresh(), "edge", 0, rng.choice(STYLES))]]
    per_level = [1] * (depth - 1)
    for _ in range(apps - 1 - len(per_level)):
        per_level[rng.randrange(len(per_level))] += 1
    for lvl, count in enumerate(per_level, start=1):
        levels.append([Svc(fresh(), "app", lvl, rng.choice(STYLES)) for _ in range(count)])
    for lvl in range(1, len(levels)):
        for s in levels[lvl]:
            rng.choice(levels[lvl - 1]).depends_on.append(s.name)
            if rng.random() < 0.35 and lvl >= 2:  # a shared callee, from two levels up
                other = rng.choice(levels[lvl - 2])
                if s.name not in other.depends_on:
                    other.depends_on.append(s.name)
    store_kinds = rng.sample(["data", "data", "cache", "queue"], stores)
    deepest = [s for lv in levels[1:] for s in lv]
    data_level = len(levels)
    svcs = [s for lv in levels for s in lv]
    for tier in store_kinds:
        engine = {"data": rng.choice(["postgres", "mysql"]), "cache": "redis", "queue": "rabbitmq"}
        store = Svc(fresh(), tier, data_level, "go", engine=engine[tier])
        store.port = {"postgres": 5432, "mysql": 3306, "redis": 6379, "rabbitmq": 5672}[
            store.engine
        ]
        users = rng.sample(deepest, min(len(deepest), rng.choice([1, 1, 2, 3])))
        for u in users:
            u.depends_on.append(store.name)
        svcs.append(store)
    if external if external is not None else rng.random() < 0.4:
        name = fresh()
        tld = rng.choice(["io", "com", "net", "dev"])
        ext = Svc(name, "external", data_level, host=f"api.{name.replace('-', '')}.{tld}")
        for u in rng.sample(deepest, min(len(deepest), rng.choice([1, 2]))):
            u.depends_on.append(ext.name)
        svcs.append(ext)
    ns = word(rng, 2)
    for s in svcs:
        if s.k8s:
            s.container = rng.choice([s.name.split("-")[0], "app", "server", "main"])
            s.pods = [f"{s.name}-{pod_suffix(rng)}" for _ in range(rng.randint(2, 4))]
    return Topology(ns, svcs)


class Builder:
    """The scenario being written: a healthy production first, then a fault and noise on it."""

    def __init__(self, rng: random.Random, topo: Topology, name: str) -> None:
        self.rng = rng
        self.topo = topo
        self.ns = topo.namespace
        self.region = rng.choice(REGIONS)
        self.zones = [f"{self.region}{z}" for z in "abc"]
        day = rng.randint(1, 27)
        hour, minute = rng.randint(0, 23), rng.randint(0, 59)
        self.doc: dict[str, Any] = {
            "version": 1,
            "name": name,
            "now": f"2026-{rng.randint(1, 11):02d}-{day:02d}T{hour:02d}:{minute:02d}:00Z",
            "region": self.region,
            "services": [],
            "aws": {"rds_instances": []},
            "kubernetes": {"deployments": [], "pods": [], "events": [], "nodes": []},
            "metrics": [],
            "logs": [],
            "changes": [],
            "alerts": [],
            "remediation_effects": [],
        }
        self.deployments: dict[str, dict[str, Any]] = {}
        self.pods: dict[str, list[dict[str, Any]]] = {}
        self.metric_ids: dict[tuple[str, str], str] = {}
        self.incident_alerts: list[str] = []
        self.onset: dict[str, float] = {}  # service -> minutes when its symptoms began
        self.seed = rng.randint(1, 10**6)
        self.nodes = [
            f"ip-10-{rng.randint(0, 255)}-{i}-{rng.randint(2, 250)}.{self.region}.compute.internal"
            for i in range(rng.randint(3, 6))
        ]
        self.node_zone = {n: self.zones[i % 3] for i, n in enumerate(self.nodes)}
        self._healthy()

    # ----------------------------------------------------------------------------- the world
    def _healthy(self) -> None:
        rng = self.rng
        for s in self.topo.services:
            runs_on: dict[str, Any]
            if s.tier == "data":
                runs_on = {"kind": "rds", "name": s.name}
                self.doc["aws"]["rds_instances"].append(
                    {
                        "id": s.name,
                        "engine": s.engine,
                        "instance_class": rng.choice(["db.r6g.large", "db.m6g.xlarge"]),
                        "status": "available",
                        "max_connections": rng.choice([100, 200, 400, 800]),
                    }
                )
            elif s.tier == "external":
                runs_on = {"kind": "external", "name": s.host}
            else:
                runs_on = {"kind": "k8s_deployment", "namespace": self.ns, "name": s.name}
            self.doc["services"].append(
                {"name": s.name, "tier": s.tier, "runs_on": runs_on, "depends_on": s.depends_on}
            )
            if s.k8s:
                self._deployment(s)
            if s.tier != "external":
                self._baseline_metrics(s)
            if s.k8s and s.tier in ("edge", "app"):
                self.log(s, self.access_line(s, 200), at=-180, repeat=170, every=60, level="INFO")
        self.doc["kubernetes"]["nodes"] = [
            {
                "name": n,
                "conditions": {"MemoryPressure": False, "DiskPressure": False, "Ready": True},
                "labels": {"topology.kubernetes.io/zone": self.node_zone[n]},
            }
            for n in self.nodes
        ]

    def image(self, s: Svc, version: str) -> str:
        if s.tier == "cache":
            return f"redis:{version}"
        if s.tier == "queue":
            return f"rabbitmq:{version}"
        return f"registry.{self.ns}.example/{s.name}:{version}"

    def version(self) -> str:
        r = self.rng
        return f"v{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 12)}"

    def _deployment(self, s: Svc) -> None:
        rng = self.rng
        rev = rng.randint(3, 140)
        if s.tier == "cache":
            ver = rng.choice(["7.2.4", "7.0.15"])
        elif s.tier == "queue":
            ver = rng.choice(["3.12.13", "3.13.1"])
        else:
            ver = self.version()
        env = {"LOG_LEVEL": "info", "PORT": str(s.port)}
        for dep in s.depends_on:
            d = self.topo.get(dep)
            key = dep.upper().replace("-", "_")
            env[f"{key}_URL"] = self.url_of(d)
        deployment: dict[str, Any] = {
            "namespace": self.ns,
            "name": s.name,
            "replicas": len(s.pods),
            "revisions": [
                {
                    "revision": rev,
                    "image": self.image(s, ver),
                    "at": f"-{rng.randint(2, 30)}d",
                    "env": env,
                }  # fmt: skip
            ],
        }
        self.deployments[s.name] = deployment
        self.doc["kubernetes"]["deployments"].append(deployment)
        limit = rng.choice(["256Mi", "512Mi", "1Gi", "2Gi"])
        cpu = rng.choice(["250m", "500m", "1", "2"])
        self.pods[s.name] = []
        for pod in s.pods:
            spec = {
                "namespace": self.ns,
                "name": pod,
                "owner": s.name,
                "phase": "Running",
                "node": rng.choice(self.nodes),
                "containers": [
                    {
                        "name": s.container,
                        "image": self.image(s, ver),
                        "ready": True,
                        "restart_count": 0,
                        "resources": {
                            "limits": {"memory": limit, "cpu": cpu},
                            "requests": {"memory": limit, "cpu": cpu},
                        },
                    }
                ],
            }
            self.pods[s.name].append(spec)
            self.doc["kubernetes"]["pods"].append(spec)

    def url_of(self, d: Svc) -> str:
        if d.tier == "external":
            return f"https://{d.host}"
        if d.tier == "data":
            scheme = "postgres" if d.engine == "postgres" else "mysql"
            return f"{scheme}://{d.name}.{self.rng.choice('abcdefgh')}x{self.rng.randint(1000, 9999)}.{self.region}.rds.amazonaws.com:{d.port}"  # noqa: E501
        if d.tier == "cache":
            return f"redis://{d.name}.{self.ns}.svc.cluster.local:6379"
        if d.tier == "queue":
            return f"amqp://{d.name}.{self.ns}.svc.cluster.local:5672"
        return f"http://{d.name}.{self.ns}.svc.cluster.local:{d.port}"

    def host_of(self, d: Svc) -> str:
        url = self.url_of(d) if d.tier != "data" else self.rds_host(d)
        return url.split("://", 1)[-1].split("/", 1)[0]

    def rds_host(self, d: Svc) -> str:
        env = next(
            (
                v
                for dep in self.deployments.values()
                for k, v in dep["revisions"][-1]["env"].items()
                if k == f"{d.name.upper().replace('-', '_')}_URL"
            ),
            self.url_of(d),
        )
        return str(env)

    def _baseline_metrics(self, s: Svc) -> None:
        rng = self.rng
        if s.tier == "data":
            self.metric(s, "connections", "AWS/RDS", "DatabaseConnections", "Count",
                        rng.randint(10, 60), 3, {"DBInstanceIdentifier": s.name}, stat="Maximum")  # fmt: skip  # noqa: E501
            self.metric(s, "cpu", "AWS/RDS", "CPUUtilization", "Percent",
                        rng.randint(8, 35), 2, {"DBInstanceIdentifier": s.name})  # fmt: skip
            self.metric(s, "free_storage", "AWS/RDS", "FreeStorageSpace", "Bytes",
                        rng.randint(40, 400) * 2**30, 2**26, {"DBInstanceIdentifier": s.name})  # fmt: skip  # noqa: E501
            return
        dims = {"namespace": self.ns, "service": s.name}
        if s.tier in ("edge", "app"):
            p99 = rng.choice([0.05, 0.08, 0.12, 0.2, 0.3])
            self.metric(s, "latency", "Prometheus", "http_server_request_duration_seconds",
                        "Seconds", p99, p99 / 10, dims, stat="p99")  # fmt: skip
            self.metric(s, "errors", "Prometheus", "http_server_requests_5xx_rate",
                        "Count/Second", 0.02, 0.02, dims, stat="Average")  # fmt: skip
            self.metric(s, "rps", "Prometheus", "http_server_requests_rate",
                        "Count/Second", rng.randint(20, 400), 5, dims, stat="Average")  # fmt: skip
        cdims = {"ClusterName": f"{self.ns}-eks", "Namespace": self.ns, "Service": s.name}
        self.metric(s, "cpu", "ContainerInsights", "pod_cpu_utilization", "Percent",
                    rng.randint(10, 40), 3, cdims)  # fmt: skip
        self.metric(s, "memory", "ContainerInsights", "pod_memory_utilization", "Percent",
                    rng.randint(25, 55), 2, cdims)  # fmt: skip
        self.metric(s, "restarts", "ContainerInsights", "pod_number_of_container_restarts",
                    "Count", 0, 0, cdims, stat="Sum")  # fmt: skip

    def metric(
        self,
        s: Svc,
        what: str,
        namespace: str,
        name: str,
        unit: str,
        baseline: float,
        noise: float,
        dims: dict[str, str],
        stat: str = "Average",
    ) -> str:
        mid = f"{s.name}-{what}"
        self.seed += 1
        self.doc["metrics"].append(
            {
                "id": mid,
                "service": s.name,
                "namespace": namespace,
                "name": name,
                "dimensions": dims,
                "stat": stat,
                "unit": unit,
                "step": "60s",
                "from": "-3h",
                "baseline": baseline,
                "noise": noise,
                "seed": self.seed,
                "events": [],
            }
        )
        self.metric_ids[(s.name, what)] = mid
        return mid

    def shift(self, s: Svc, what: str, at: float, to: float, shape: str = "step",
              over: float | None = None) -> str | None:  # fmt: skip
        """Move a series of ``s`` at ``at`` minutes (a step, or a ramp ``over`` minutes);
        ``to`` is a multiple of the baseline."""
        mid = self.metric_ids.get((s.name, what))
        if mid is None:
            return None
        m = next(m for m in self.doc["metrics"] if m["id"] == mid)
        event: dict[str, Any] = {"at": mins(at), "shape": shape, "to": round(m["baseline"] * to, 4)}
        if over is not None:
            event["over"] = mins(over).lstrip("-")
        m["events"].append(event)
        return mid

    def set_to(self, s: Svc, what: str, at: float, value: float, shape: str = "step",
               over: float | None = None) -> str | None:  # fmt: skip
        """Like :meth:`shift` with an absolute value."""
        mid = self.metric_ids.get((s.name, what))
        if mid is None:
            return None
        m = next(m for m in self.doc["metrics"] if m["id"] == mid)
        event: dict[str, Any] = {"at": mins(at), "shape": shape, "to": value}
        if over is not None:
            event["over"] = mins(over).lstrip("-")
        m["events"].append(event)
        return mid

    # ----------------------------------------------------------------------------- writing
    def log(self, s: Svc, text: str, *, at: float, repeat: int = 1, every: float = 10,
            level: str = "ERROR", pods: list[str] | None = None) -> None:  # fmt: skip
        """Lines in the log of each of ``s``'s pods (all by default), ``every`` seconds apart."""
        for pod in pods if pods is not None else s.pods:
            src = f"k8s:{self.ns}/{pod}/{s.container}"
            entry = next((e for e in self.doc["logs"] if e["source"] == src), None)
            if entry is None:
                entry = {"source": src, "lines": []}
                self.doc["logs"].append(entry)
            line: dict[str, Any] = {"at": mins(at), "level": level, "text": text}
            if repeat > 1:
                line["repeat"] = repeat
                line["every"] = f"{int(every)}s"
            entry["lines"].append(line)

    def event(self, obj: str, reason: str, message: str, at: float, count: int = 1,
              type_: str = "Warning") -> None:  # fmt: skip
        self.doc["kubernetes"]["events"].append(
            {
                "namespace": self.ns,
                "object": obj,
                "type": type_,
                "reason": reason,
                "message": message,
                "at": mins(at),
                "count": count,
            }  # fmt: skip
        )

    def alert(self, name: str, s: Svc | None, summary: str, at: float, *, severity: str = "critical",  # noqa: E501
              metric: str | None = None, labels: dict[str, str] | None = None,
              fmt: str | None = None, in_incident: bool = True) -> str:  # fmt: skip
        aid = f"a{len(self.doc['alerts']) + 1}"
        body: dict[str, Any] = {
            "id": aid,
            "at": mins(at),
            "format": fmt
            or self.rng.choice(["alertmanager", "alertmanager", "generic", "pagerduty"]),
            "name": name,
            "severity": severity,
            "labels": labels or ({"namespace": self.ns} if s and s.k8s else {}),
            "summary": summary,
        }
        if s is not None:
            body["service"] = s.name
        if metric:
            body["metric"] = metric
        self.doc["alerts"].append(body)
        if in_incident:
            self.incident_alerts.append(aid)
        return aid

    def change(self, at: float, kind: str, s: Svc | None, source: str, **extra: Any) -> None:
        body: dict[str, Any] = {"at": mins(at), "kind": kind, "source": source}
        if s is not None:
            body["service"] = s.name
        body["actor"] = extra.pop("actor", f"{word(self.rng, 2)}@{self.ns}.example")
        body.update({k: v for k, v in extra.items() if v is not None})
        self.doc["changes"].append(body)

    def new_revision(self, s: Svc, at: float, *, env: dict[str, str] | None = None,
                     drop: tuple[str, ...] = (), image_version: str | None = None,
                     source: str | None = None, message: str | None = None) -> str:  # fmt: skip
        """A rollout of ``s`` (a new image and/or env), recorded as a deploy change too."""
        dep = self.deployments[s.name]
        last = dep["revisions"][-1]
        new_env = {k: v for k, v in last["env"].items() if k not in drop}
        new_env.update(env or {})
        prev = last["image"].rsplit(":", 1)[1]
        ver = image_version or (prev if env or drop else self.version())
        dep["revisions"].append(
            {
                "revision": last["revision"] + 1,
                "image": self.image(s, ver),
                "at": mins(at),
                "env": new_env,
            }  # fmt: skip
        )
        for p in self.pods[s.name]:
            p["containers"][0]["image"] = self.image(s, ver)
        self.change(
            at, "deployment" if ver != prev else "config", s,
            source or self.rng.choice(["github", "argocd", "jenkins"]),
            version=ver if ver != prev else f"revision {last['revision'] + 1}",
            previous=prev if ver != prev else f"revision {last['revision']}",
            detail={"commit": "".join(self.rng.choice(string.hexdigits[:16]) for _ in range(7)),
                    **({"message": message} if message else {}),
                    **({"env": {k: new_env.get(k) for k in (env or {})}} if env else {})},
        )  # fmt: skip
        return ver

    def effect(self, action: str, s: Svc, metrics: list[str] | None = None) -> None:
        """What a registry action on ``s`` does in this world (recovers the given series)."""
        effects = []
        for mid in metrics or []:
            m = next(m for m in self.doc["metrics"] if m["id"] == mid)
            effects.append({"metric": mid, "to": m["baseline"], "after": "2m"})
        self.doc["remediation_effects"].append(
            {"action": action, "params": {"namespace": self.ns, "name": s.name}, "effects": effects}
        )

    # ----------------------------------------------------------------------------- lines
    def access_line(self, s: Svc, status: int, ms: int | None = None) -> str:
        rng = self.rng
        path = rng.choice(["/v1/items", "/api/orders", "/v2/lookup", "/internal/sync", "/v1/quote"])
        ms = ms if ms is not None else rng.randint(4, 60)
        if s.style == "go":
            return f'level=info msg="request" method=GET path={path} status={status} duration={ms}.{rng.randint(0, 9)}ms'  # noqa: E501
        if s.style == "java":
            return f'{rng.randint(10, 250)}.{rng.randint(0, 255)}.0.{rng.randint(2, 250)} - - "GET {path} HTTP/1.1" {status} {rng.randint(80, 4000)} {ms}ms'  # noqa: E501
        if s.style == "python":
            return f'INFO:     10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}:{rng.randint(30000, 60000)} - "GET {path} HTTP/1.1" {status}'  # noqa: E501
        return f'{{"level":30,"msg":"request completed","req":{{"method":"GET","url":"{path}"}},"res":{{"statusCode":{status}}},"responseTime":{ms}}}'  # noqa: E501

    def finish(self, summary: str, kind: str, root: Svc, fix: str | None,
               root_alert: str | None = None) -> dict[str, Any]:  # fmt: skip
        doc = self.doc
        doc["summary"] = summary
        if not doc["aws"]["rds_instances"]:
            del doc["aws"]
        for key in ("changes", "remediation_effects"):
            if not doc[key]:
                del doc[key]
        alerts = sorted(doc["alerts"], key=lambda a: _secs(a["at"]))
        doc["alerts"] = alerts
        ids = [a["id"] for a in alerts if a["id"] in self.incident_alerts]
        incident: dict[str, Any] = {"alerts": ids, "root_alert": root_alert or ids[0]}
        truth: dict[str, Any] = {"incidents": [incident],
                                 "root_cause": {"kind": kind, "service": root.name}}  # fmt: skip
        if fix is not None:
            truth["fix"] = {"action": fix, "params": {"namespace": self.ns, "name": root.name}}
        doc["truth"] = truth
        return doc


def _secs(offset: str) -> float:
    sign = -1 if offset.startswith("-") else 1
    return sign * float(offset.lstrip("-").rstrip("s"))


Fault = Callable[[Builder], dict[str, Any]]


def to_loaded(doc: dict[str, Any]) -> LoadedScenario:
    """Validate a generated scenario through the sandbox's loader (as a file would be)."""
    return parse_scenario_text(yaml.safe_dump(doc, sort_keys=False), f"{doc['name']}.yaml")
