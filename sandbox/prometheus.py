"""A minimal local Prometheus serving a scenario's metric series over Prometheus' HTTP API.

Endpoints: ``/api/v1/query_range``, ``/api/v1/query`` (instant), ``/api/v1/series``,
``/api/v1/labels``, ``/api/v1/label/<name>/values`` and ``/-/ready``. Queries are instant-vector
selectors (``name{label="v", other=~"re"}``, matchers ``=``, ``!=``, ``=~``, ``!~``); functions
and operators answer 400 ``bad_data``.

Each scenario metric is one series, named by ``integrations.metrics.naming`` (the CloudWatch name
in snake case; dimensions, ``namespace`` and ``service`` as labels; id_refs mapped to the real
ids, like the CloudWatch side). Evaluation follows Prometheus: at each step the newest sample
at or before the step time, if it is within the 5-minute lookback (``lookback_delta`` seconds
may be given). The series come from a provider called per request, so remediation overrides
published by the world show up here too.

    with start_prometheus_sandbox(world) as prom:
        httpx.get(prom.url + "/api/v1/query_range", params={...})

``world.py`` has no generic hook for extra servers; tests and the demo start this themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from integrations.metrics.naming import prom_labels, prom_name
from sandbox.k8s.httpserver import ServedSandbox
from sandbox.metricgen import Series

LOOKBACK = 300.0
MAX_POINTS = 11_000


class PromQLError(ValueError):
    """Prometheus answers 400 bad_data with this text."""


@dataclass(frozen=True)
class PromSeries:
    labels: dict[str, str]  # including __name__
    times: np.ndarray  # epoch seconds, ascending
    values: np.ndarray


_SELECTOR = re.compile(r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(?P<body>.*)\})?\s*$", re.S)
_MATCHER = re.compile(
    r"""\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*
        (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*(?:,|$)""",
    re.X,
)

Matcher = Callable[[Mapping[str, str]], bool]


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw[1:-1])


def _test(label: str, op: str, value: str) -> Matcher:
    if op in ("=~", "!~"):
        try:
            pattern = re.compile(f"(?:{value})\\Z")
        except re.error as exc:
            raise PromQLError(f"invalid regex {value!r}: {exc}") from exc
        if op == "=~":
            return lambda ls: bool(pattern.match(ls.get(label, "")))
        return lambda ls: not pattern.match(ls.get(label, ""))
    if op == "=":
        return lambda ls: ls.get(label, "") == value
    return lambda ls: ls.get(label, "") != value


def parse_selector(query: str) -> Matcher:
    """A matcher over label sets for an instant-vector selector."""
    match = _SELECTOR.match(query)
    if not match or (match.group("name") is None and match.group("body") is None):
        raise PromQLError(f"parse error: only series selectors are supported, got {query[:80]!r}")
    tests: list[Matcher] = []
    if match.group("name"):
        tests.append(_test("__name__", "=", match.group("name")))
    body = (match.group("body") or "").strip()
    pos = 0
    while pos < len(body):
        item = _MATCHER.match(body, pos)
        if not item or item.end() == pos:
            raise PromQLError(f"parse error in label matchers at {body[pos : pos + 20]!r}")
        tests.append(_test(item["label"], item["op"], _unquote(item["value"])))
        pos = item.end()
    if not tests or all(_matches_empty(t) for t in tests):
        raise PromQLError("vector selector must contain at least one non-empty matcher")
    return lambda labels: all(t(labels) for t in tests)


def _matches_empty(test: Matcher) -> bool:
    return test({})


def _time(raw: str | None, default: float) -> float:
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise PromQLError(f"cannot parse {raw!r} to a valid timestamp") from exc


def _duration(raw: str | None) -> float:
    if raw is None or raw == "":
        raise PromQLError("missing step")
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    found = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?", raw.strip())
    if not found:
        raise PromQLError(f"cannot parse {raw!r} to a valid duration")
    return float(found.group(1)) * units[found.group(2) or "s"]


def _fmt(value: float) -> str:
    return repr(float(value)) if np.isfinite(value) else ("NaN" if np.isnan(value) else "+Inf")


def to_prom(series: Series, refs: Mapping[str, str]) -> PromSeries:
    dims = {k: refs.get(v, v) for k, v in series.dimensions.items()}
    labels = {
        "__name__": prom_name(series.name),
        **prom_labels(series.namespace, dims, series.service),
    }
    times = np.array([t.timestamp() for t in series.timestamps], dtype=float)
    return PromSeries(labels, times, np.asarray(series.values, dtype=float))


class PrometheusState:
    def __init__(
        self,
        provider: Callable[[], Sequence[Series]],
        now: Callable[[], datetime],
        refs: Mapping[str, str] | None = None,
    ) -> None:
        self.provider = provider
        self.now = now
        self.refs = dict(refs or {})

    def series(self) -> list[PromSeries]:
        return [to_prom(s, self.refs) for s in self.provider()]

    def _select(self, query: str | None) -> list[PromSeries]:
        if not query:
            raise PromQLError("query is required")
        test = parse_selector(query)
        return [s for s in self.series() if test(s.labels)]

    @staticmethod
    def _value_at(s: PromSeries, t: float, lookback: float) -> float | None:
        i = int(np.searchsorted(s.times, t, side="right")) - 1
        if i < 0 or t - s.times[i] > lookback:
            return None
        return float(s.values[i])

    def query_range(self, params: Mapping[str, str]) -> dict[str, Any]:
        start = _time(params.get("start"), float("nan"))
        end = _time(params.get("end"), float("nan"))
        if np.isnan(start) or np.isnan(end):
            raise PromQLError("start and end are required")
        step = _duration(params.get("step"))
        if step <= 0:
            raise PromQLError("zero or negative query resolution step widths are not accepted")
        if end < start:
            raise PromQLError("end timestamp must not be before start time")
        if (end - start) / step + 1 > MAX_POINTS:
            raise PromQLError("exceeded maximum resolution of 11,000 points per timeseries")
        lookback = _duration(params.get("lookback_delta") or str(LOOKBACK))
        grid = start + step * np.arange(int((end - start) // step) + 1)
        result = []
        for s in self._select(params.get("query")):
            values = []
            for t in grid:
                v = self._value_at(s, float(t), lookback)
                if v is not None:
                    values.append([round(float(t), 3), _fmt(v)])
            if values:
                result.append({"metric": s.labels, "values": values})
        return {"status": "success", "data": {"resultType": "matrix", "result": result}}

    def query(self, params: Mapping[str, str]) -> dict[str, Any]:
        t = _time(params.get("time"), self.now().timestamp())
        result = []
        for s in self._select(params.get("query")):
            v = self._value_at(s, t, LOOKBACK)
            if v is not None:
                result.append({"metric": s.labels, "value": [round(t, 3), _fmt(v)]})
        return {"status": "success", "data": {"resultType": "vector", "result": result}}

    def series_for(self, matchers: Sequence[str]) -> dict[str, Any]:
        if not matchers:
            raise PromQLError("no match[] parameter provided")
        tests = [parse_selector(m) for m in matchers]
        found = [s.labels for s in self.series() if any(t(s.labels) for t in tests)]
        return {"status": "success", "data": found}

    def label_names(self) -> list[str]:
        return sorted({k for s in self.series() for k in s.labels})

    def label_values(self, name: str) -> list[str]:
        return sorted({s.labels[name] for s in self.series() if name in s.labels})


def _bad(exc: Exception) -> Response:
    return JSONResponse(
        {"status": "error", "errorType": "bad_data", "error": str(exc)}, status_code=400
    )


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        params.update({k: str(v) for k, v in form.items()})
    return params


def build_prometheus_app(state: PrometheusState) -> Starlette:
    async def query_range(request: Request) -> Response:
        try:
            return JSONResponse(state.query_range(await _params(request)))
        except PromQLError as exc:
            return _bad(exc)

    async def query(request: Request) -> Response:
        try:
            return JSONResponse(state.query(await _params(request)))
        except PromQLError as exc:
            return _bad(exc)

    async def series(request: Request) -> Response:
        matchers = request.query_params.getlist("match[]")
        if request.method == "POST":
            form = await request.form()
            matchers += [str(v) for v in form.getlist("match[]")]
        try:
            return JSONResponse(state.series_for(matchers))
        except PromQLError as exc:
            return _bad(exc)

    async def labels(request: Request) -> Response:
        return JSONResponse({"status": "success", "data": state.label_names()})

    async def label_values(request: Request) -> Response:
        values = state.label_values(request.path_params["name"])
        return JSONResponse({"status": "success", "data": values})

    async def ready(request: Request) -> Response:
        return PlainTextResponse("Prometheus Server is Ready.\n")

    both = ["GET", "POST"]
    return Starlette(
        routes=[
            Route("/api/v1/query_range", query_range, methods=both),
            Route("/api/v1/query", query, methods=both),
            Route("/api/v1/series", series, methods=both),
            Route("/api/v1/labels", labels, methods=both),
            Route("/api/v1/label/{name}/values", label_values),
            Route("/-/ready", ready),
        ]
    )


class PrometheusSandbox(ServedSandbox):
    """A running local Prometheus; ``url`` is its base URL."""

    def __init__(self, state: PrometheusState) -> None:
        self.state = state
        super().__init__(build_prometheus_app(state))


def start_prometheus_sandbox(world: Any) -> PrometheusSandbox:
    """Serve every metric of a running ``SandboxWorld`` (with its remediation overrides)."""
    scenario = world.scenario

    def provider() -> list[Series]:
        return [world.series(m.id) for m in scenario.metrics]

    state = PrometheusState(provider, world.clock.now, world.id_refs)
    return PrometheusSandbox(state).start()


def start_series_sandbox(
    series: Sequence[Series], now: datetime, refs: Mapping[str, str] | None = None
) -> PrometheusSandbox:
    """Serve a fixed list of series (no world needed)."""
    fixed = list(series)
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return PrometheusSandbox(PrometheusState(lambda: fixed, lambda: moment, refs)).start()
