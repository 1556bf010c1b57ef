"""A minimal local Loki serving a scenario's ``logs`` section over Loki's HTTP API.

Endpoints: ``/loki/api/v1/query_range``, ``/loki/api/v1/series``, ``/loki/api/v1/labels``,
``/loki/api/v1/label/<name>/values`` and ``/ready``. Queries are a LogQL stream selector
(``=``, ``!=``, ``=~``, ``!~``) followed by line filters (``|=``, ``!=``, ``|~``, ``!~``).
Sources become streams: ``file:<host>:<path>`` → ``{host, filename}``,
``k8s:<ns>/<pod>/<container>`` → ``{namespace, pod, container}``,
``cloudwatch:<group>`` → ``{log_group}``, ``loki:{…}`` → its own labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.errors import UserError
from sandbox.k8s.httpserver import ServedSandbox
from sandbox.k8s.loglines import TimedLine, expand_logs, format_line


class LogQLError(ValueError):
    """The query does not parse; Loki answers 400 with this text."""


@dataclass(frozen=True)
class Stream:
    labels: dict[str, str]
    lines: list[TimedLine]


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`)
      | (?P<op>\|=|\|~|!=|!~|=~|=|\||[{},])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokens(query: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        match = _TOKEN.match(query, pos)
        if not match:
            raise LogQLError(f"parse error at col {pos + 1}: unexpected {query[pos : pos + 10]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _unquote(raw: str) -> str:
    if raw.startswith("`"):
        return raw[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw[1:-1])


def _compile(pattern: str, anchored: bool) -> re.Pattern[str]:
    try:
        return re.compile(f"(?:{pattern})\\Z" if anchored else pattern)
    except re.error as exc:
        raise LogQLError(f"invalid regex {pattern!r}: {exc}") from exc


def parse_logql(query: str) -> tuple[Callable[[dict[str, str]], bool], Callable[[str], bool]]:
    """``(stream matcher, line filter)`` of a LogQL log query."""
    tokens = _tokens(query)
    if not tokens or tokens[0] != ("op", "{"):
        raise LogQLError("parse error: a query starts with a stream selector {…}")
    label_tests: list[Callable[[dict[str, str]], bool]] = []
    i = 1
    while tokens[i : i + 1] != [("op", "}")]:
        try:
            (k1, name), (k2, op), (k3, value) = tokens[i : i + 3]
        except ValueError as exc:
            raise LogQLError("parse error: unterminated stream selector") from exc
        if k1 != "name" or k2 != "op" or op not in ("=", "!=", "=~", "!~") or k3 != "str":
            raise LogQLError(f'parse error near {name!r}: expected label="value"')
        label_tests.append(_label_test(name, op, _unquote(value)))
        i += 3
        if tokens[i : i + 1] == [("op", ",")]:
            i += 1
        elif i >= len(tokens):
            raise LogQLError("parse error: unterminated stream selector")
    if not label_tests or all(_matches_empty(t) for t in label_tests):
        raise LogQLError("queries require at least one label matcher that is not empty-compatible")
    line_tests: list[Callable[[str], bool]] = []
    rest = tokens[i + 1 :]
    while rest:
        if len(rest) < 2 or rest[0][0] != "op" or rest[1][0] != "str":
            raise LogQLError(f"parse error near {rest[0][1]!r}: only line filters are supported")
        line_tests.append(_line_test(rest[0][1], _unquote(rest[1][1])))
        rest = rest[2:]

    def streams(labels: dict[str, str]) -> bool:
        return all(test(labels) for test in label_tests)

    def lines(line: str) -> bool:
        return all(test(line) for test in line_tests)

    return streams, lines


def _line_test(op: str, needle: str) -> Callable[[str], bool]:
    if op == "|=":
        return lambda line: needle in line
    if op == "!=":
        return lambda line: needle not in line
    if op in ("|~", "!~"):
        regex = _compile(needle, anchored=False)
        want = op == "|~"
        return lambda line: bool(regex.search(line)) == want
    raise LogQLError(f"parse error: unsupported operator {op!r}")


def _label_test(name: str, op: str, value: str) -> Callable[[dict[str, str]], bool]:
    if op == "=":
        return lambda labels: labels.get(name, "") == value
    if op == "!=":
        return lambda labels: labels.get(name, "") != value
    regex = _compile(value, anchored=True)
    if op == "=~":
        return lambda labels: bool(regex.match(labels.get(name, "")))
    return lambda labels: not regex.match(labels.get(name, ""))


def _matches_empty(test: Callable[[dict[str, str]], bool]) -> bool:
    return test({})


def labels_of(source: str) -> dict[str, str]:
    """The stream labels a scenario source is served under."""
    prefix, _, rest = source.partition(":")
    if prefix == "file":
        host, _, path = rest.partition(":")
        return {"host": host, "filename": path, "job": "varlogs"}
    if prefix == "k8s":
        parts = rest.split("/")
        if len(parts) == 3:
            return {"namespace": parts[0], "pod": parts[1], "container": parts[2]}
    if prefix == "cloudwatch":
        return {"log_group": rest}
    if prefix == "loki":
        found = re.findall(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"', rest)
        if found:
            return {k: _unquote(f'"{v}"') for k, v in found}
    return {"source": source}


def _time(raw: str | None, default: int) -> int:
    """Nanoseconds since the epoch; Loki accepts ns epochs, float seconds, or RFC 3339."""
    if raw is None or raw == "":
        return default
    try:
        if re.fullmatch(r"\d+", raw):
            value = int(raw)
            return value if value > 10**12 else value * 1_000_000_000
        if re.fullmatch(r"\d+\.\d*", raw):
            whole, _, frac = raw.partition(".")
            return int(whole) * 1_000_000_000 + int((frac + "0" * 9)[:9])
        return _ns(datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC))
    except (ValueError, OverflowError) as exc:
        raise LogQLError(f"invalid time {raw!r}") from exc


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


class LokiState:
    def __init__(self, logs: list[dict] | None, now: datetime) -> None:
        self._raw = list(logs or [])
        self.anchor = now if now.tzinfo else now.replace(tzinfo=UTC)
        self.set_now(now)

    def set_now(self, now: datetime) -> None:
        """Move the clock: lines up to ``now`` are served, and ``now`` is the default end."""
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
        try:
            expanded = expand_logs(self._raw, self.anchor, self.now)
        except (KeyError, ValueError, TypeError) as exc:
            raise UserError(f"the logs section cannot be served: {exc}") from exc
        self.streams = [Stream(labels_of(source), lines) for source, lines in expanded.items()]

    def series(
        self, matches: list[str], start_raw: str | None, end_raw: str | None
    ) -> list[dict[str, str]]:
        """The label sets of the streams any of ``matches`` selects that hold a line between
        ``start`` and ``end`` (Loki's ``/loki/api/v1/series``)."""
        if not matches:
            raise LogQLError("match[] is required")
        tests = [parse_logql(m)[0] for m in matches]
        end = _time(end_raw, _ns(self.now))
        start = _time(start_raw, end - 3600 * 1_000_000_000)
        return [
            s.labels
            for s in self.streams
            if any(t(s.labels) for t in tests)
            and any(start <= _ns(line.time) < end for line in s.lines)
        ]

    def query_range(self, params: dict[str, str]) -> dict[str, Any]:
        if not params.get("query"):
            raise LogQLError("query is required")
        stream_ok, line_ok = parse_logql(params["query"])
        end = _time(params.get("end"), _ns(self.now))
        start = _time(params.get("start"), end - 3600 * 1_000_000_000)
        try:
            limit = int(params.get("limit") or 100)
        except ValueError as exc:
            raise LogQLError(f"invalid limit {params.get('limit')!r}") from exc
        backward = (params.get("direction") or "backward").lower() == "backward"
        entries: list[tuple[datetime, int, int, str]] = []
        for index, stream in enumerate(self.streams):
            if not stream_ok(stream.labels):
                continue
            for order, line in enumerate(stream.lines):
                text = format_line(line)
                if start <= _ns(line.time) < end and line_ok(text):
                    entries.append((line.time, index, order, text))
        entries.sort(key=lambda e: (e[0], e[1], e[2]), reverse=backward)
        entries = entries[:limit]
        result: dict[int, list[list[str]]] = {}
        for moment, index, _, text in entries:
            result.setdefault(index, []).append([str(_ns(moment)), text])
        return {
            "status": "success",
            "data": {
                "resultType": "streams",
                "result": [
                    {"stream": self.streams[i].labels, "values": values}
                    for i, values in result.items()
                ],
                "stats": {"summary": {"totalEntriesReturned": len(entries)}},
            },
        }


def build_loki_app(state: LokiState) -> Starlette:
    async def query_range(request: Request) -> Response:
        try:
            return JSONResponse(state.query_range(dict(request.query_params)))
        except LogQLError as exc:
            return PlainTextResponse(str(exc), status_code=400)

    async def series(request: Request) -> Response:
        q = request.query_params
        try:
            found = state.series(q.getlist("match[]"), q.get("start"), q.get("end"))
        except LogQLError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        return JSONResponse({"status": "success", "data": found})

    async def labels(request: Request) -> Response:
        names = sorted({k for s in state.streams for k in s.labels})
        return JSONResponse({"status": "success", "data": names})

    async def label_values(request: Request) -> Response:
        name = request.path_params["name"]
        values = sorted({s.labels[name] for s in state.streams if name in s.labels})
        return JSONResponse({"status": "success", "data": values})

    async def ready(request: Request) -> Response:
        return PlainTextResponse("ready\n")

    return Starlette(
        routes=[
            Route("/loki/api/v1/query_range", query_range),
            Route("/loki/api/v1/series", series),
            Route("/loki/api/v1/labels", labels),
            Route("/loki/api/v1/label/{name}/values", label_values),
            Route("/ready", ready),
        ]
    )


class LokiSandbox(ServedSandbox):
    """A running local Loki; ``url`` is its base URL."""

    def __init__(self, state: LokiState) -> None:
        self.state = state
        super().__init__(build_loki_app(state))

    def set_now(self, now: datetime) -> None:
        self.state.set_now(now)


def start_loki_sandbox(logs: list[dict] | None, now: datetime) -> LokiSandbox:
    """Serve every source of the scenario's ``logs`` section as Loki streams, seen at ``now``."""
    return LokiSandbox(LokiState(logs, now)).start()
