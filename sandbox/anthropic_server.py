"""A local Anthropic Messages API for tests and the demo (Starlette on uvicorn, on a thread).

The real ``anthropic.Anthropic(base_url=server.url, api_key=…)`` client talks to it::

    with AnthropicServer(api_keys={"sk-test"}) as server:
        server.push(tool_use_reply("get_pods", {"namespace": "prod"}), text_reply("Done."))
        client = anthropic.Anthropic(base_url=server.url, api_key="sk-test", max_retries=0)
        ...
        assert server.requests[1].tool_results()[0]["tool_use_id"] == …

Replies are scripted: a FIFO queue (:meth:`push`), then a responder callable
``(request_json) -> reply`` (:meth:`respond_with`) that can read the ``tool_result`` blocks of the
conversation. A reply is a string (a text answer), a dict with ``content`` (and optionally
``stop_reason``), or an :class:`ErrorReply` (429 / 529 with ``retry-after``, 500 …). Every
request is recorded. The server checks what the real API checks and a client can get wrong:
the key, required fields, alternating roles, a ``tool_result`` for every ``tool_use`` of the
previous turn, and tools defined whenever the history holds tool blocks. With
``tool_choice: {"type": "none"}`` it never returns ``tool_use`` blocks, like the real model.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DEFAULT_MODEL = "claude-sonnet-4-5"
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """A scripted failure: the status, an optional ``retry-after`` (seconds), a message."""

    status: int
    retry_after: float | None = None
    message: str = ""


Reply = str | dict[str, Any] | ErrorReply
Responder = Callable[[dict[str, Any]], Reply]


@dataclass(slots=True)
class RecordedRequest:
    """One request as the server received it (headers lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)
    raw: str = ""
    received_at: float = field(default_factory=time.monotonic)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    def tool_results(self) -> list[dict[str, Any]]:
        """The ``tool_result`` blocks of the last user message."""
        if not self.messages:
            return []
        content = self.messages[-1].get("content")
        if not isinstance(content, list):
            return []
        return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]

    @property
    def tool_names(self) -> list[str]:
        return [t.get("name", "") for t in self.body.get("tools") or []]


def text_reply(text: str) -> dict[str, Any]:
    """A final answer (``stop_reason: end_turn``)."""
    return {"content": [{"type": "text", "text": text}], "stop_reason": "end_turn"}


def tool_use_reply(
    name: str, tool_input: dict[str, Any], *, text: str | None = None, tool_id: str | None = None
) -> dict[str, Any]:
    """A reply asking for one tool call (``stop_reason: tool_use``)."""
    content: list[dict[str, Any]] = []
    if text:
        content.append({"type": "text", "text": text})
    block: dict[str, Any] = {"type": "tool_use", "name": name, "input": tool_input}
    if tool_id:
        block["id"] = tool_id
    content.append(block)
    return {"content": content, "stop_reason": "tool_use"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {
        "type": "error",
        "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message},
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, list):
        return [b for b in content if isinstance(b, dict)]
    return []


def validate_messages_request(body: dict[str, Any]) -> str | None:
    """What the real API would reject with a 400, as a message; None when the body is fine."""
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        return "max_tokens: must be a positive integer"
    if body.get("stream"):
        return "stream: the local server does not stream"
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if messages[0].get("role") != "user":
        return "messages: first message must use the 'user' role"
    has_tool_blocks = False
    for i, message in enumerate(messages):
        role = message.get("role")
        if role not in ("user", "assistant"):
            return f"messages.{i}.role: must be 'user' or 'assistant'"
        if i and messages[i - 1].get("role") == role:
            return f"messages.{i}: roles must alternate between 'user' and 'assistant'"
        blocks = _blocks(message)
        has_tool_blocks |= any(b.get("type") in ("tool_use", "tool_result") for b in blocks)
        if role != "assistant":
            continue
        wanted = {str(b.get("id")) for b in blocks if b.get("type") == "tool_use"}
        if not wanted:
            continue
        if i + 1 >= len(messages):
            return f"messages.{i}: tool_use ids {sorted(wanted)} have no tool_result after them"
        answered = {
            b.get("tool_use_id") for b in _blocks(messages[i + 1]) if b.get("type") == "tool_result"
        }
        if wanted - answered:
            return (
                f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {sorted(wanted - answered)}"
            )
    if has_tool_blocks and not body.get("tools"):
        return "Requests which include `tool_use` or `tool_result` blocks must define tools."
    for j, tool in enumerate(body.get("tools") or []):
        if not tool.get("name") or "input_schema" not in tool:
            return f"tools.{j}: name and input_schema are required"
    return None


class AnthropicServer:
    """The local Messages API. ``url`` is the ``base_url`` to give the SDK."""

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = ("sk-ant-local",),
        models: Iterable[str] = (DEFAULT_MODEL,),
        host: str = "127.0.0.1",
    ) -> None:
        self.api_keys = set(api_keys)
        self.models = list(models)
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Reply] = deque()
        self._responder: Responder | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self.host, self.port = self._sock.getsockname()[:2]
        app = Starlette(
            routes=[
                Route("/v1/messages", self._messages, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 5.0) -> AnthropicServer:
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name=f"anthropic-local-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"local Anthropic server on {self.url} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> AnthropicServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --------------------------------------------------------------- scripting
    def push(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one."""
        with self._lock:
            self._queue.extend(replies)

    def fail(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """Queue ``times`` failures with ``status`` (429, 529, 500 …)."""
        self.push(*[ErrorReply(status, retry_after) for _ in range(times)])

    def respond_with(self, responder: Responder | None) -> None:
        """Answer with ``responder(request_json)`` once the queue is empty."""
        self._responder = responder

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self._responder = None

    @property
    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/messages"]

    # --------------------------------------------------------------- handlers
    def _authorized(self, request: Request) -> bool:
        key = request.headers.get("x-api-key")
        if key is None:
            auth = request.headers.get("authorization", "")
            key = auth[7:] if auth.lower().startswith("bearer ") else None
        return key in self.api_keys

    async def _record(self, request: Request) -> RecordedRequest:
        raw = (await request.body()).decode("utf-8", errors="replace")
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = {"__invalid_json__": True}
        rec = RecordedRequest(
            request.method,
            request.url.path,
            {k.lower(): v for k, v in request.headers.items()},
            body if isinstance(body, dict) else {"__invalid_json__": True},
            raw,
        )
        with self._lock:
            self.requests.append(rec)
        return rec

    async def _models(self, request: Request) -> JSONResponse:
        await self._record(request)
        if not self._authorized(request):
            return _error(401, "invalid x-api-key")
        data = [
            {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
            for m in self.models
        ]
        first = data[0]["id"] if data else None
        last = data[-1]["id"] if data else None
        return JSONResponse({"data": data, "has_more": False, "first_id": first, "last_id": last})

    async def _messages(self, request: Request) -> JSONResponse:
        rec = await self._record(request)
        if not self._authorized(request):
            return _error(401, "invalid x-api-key")
        if rec.body.get("__invalid_json__"):
            return _error(400, "request body is not valid JSON")
        problem = validate_messages_request(rec.body)
        if problem:
            return _error(400, problem)
        reply = self._next_reply(rec.body)
        if isinstance(reply, ErrorReply):
            headers = {"x-should-retry": "false"} if reply.status == 500 else {}
            if reply.retry_after is not None:
                headers["retry-after"] = f"{reply.retry_after:g}"
            return _error(
                reply.status, reply.message or _ERROR_TYPES.get(reply.status, "error"), headers
            )
        return JSONResponse(
            self._message(rec, reply), headers={"request-id": f"req_{next(self._ids):06d}"}
        )

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self._responder is not None:
            return self._responder(body)
        return ErrorReply(500, message="the local Anthropic server has no scripted reply left")

    def _message(self, rec: RecordedRequest, reply: str | dict[str, Any]) -> dict[str, Any]:
        if isinstance(reply, str):
            reply = text_reply(reply)
        content = [dict(block) for block in reply.get("content", [])]
        for block in content:
            if block.get("type") == "tool_use" and not block.get("id"):
                block["id"] = f"toolu_local_{next(self._ids):06d}"
        stop_reason = reply.get("stop_reason")
        if (rec.body.get("tool_choice") or {}).get("type") == "none":
            content = [b for b in content if b.get("type") != "tool_use"]
            if not content:
                content = [{"type": "text", "text": ""}]
            stop_reason = "end_turn"
        if stop_reason is None:
            has_tool = any(b.get("type") == "tool_use" for b in content)
            stop_reason = "tool_use" if has_tool else "end_turn"
        out_text = json.dumps(content)
        return {
            "id": f"msg_local_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": rec.body.get("model", DEFAULT_MODEL),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": max(1, len(rec.raw) // 4),
                "output_tokens": max(1, len(out_text) // 4),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
