"""A local PagerDuty on 127.0.0.1 for tests and the demo, spoken to by the real ``pdpyras`` client.

    with LocalPagerDuty(webhook_url=..., webhook_secret="s") as pd:
        events = events_session(pd.routing_key, base_url=pd.events_url)
        rest = rest_session(pd.token, base_url=pd.api_url, default_from="me@example.com")
        ...
        pd.ack_from_pagerduty(dedup_key)   # a person acks in the PagerDuty app → signed webhook

Serves Events API v2 (``POST {events_url}/v2/enqueue``, dedup semantics: one PagerDuty incident
per open dedup key) and the REST endpoints paging uses (``/incidents`` GET and PUT, ``/oncalls``,
``/escalation_policies``, ``/users``, ``/abilities``, ``/incidents/{id}/notes`` GET and POST;
token required). Every status change to acknowledged/resolved (and, with ``trigger_webhooks``, a
new incident's ``incident.triggered``, as PagerDuty does) is delivered as a v3 webhook signed
like PagerDuty does (``X-PagerDuty-Signature: v1=<hex hmac-sha256>``), from whichever side it
came — so a test can prove that nothing loops. ``fail_next`` makes the next requests answer
5xx/429 or drop. PagerDuty's own escalation clock is not simulated (aiops escalates by itself).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.clock import Clock
from sandbox.pagerduty_state import JsonDict, PagerDutyState, PdApiError, PdIncidentRecord


@dataclass
class WebhookDelivery:
    event_type: str
    dedup_key: str
    status: int | None
    body: JsonDict


@dataclass
class _Fault:
    api: str  # events | rest
    status: int  # 0 = close the connection without answering
    remaining: int


class LocalPagerDuty:
    def __init__(
        self,
        *,
        token: str = "pd-sandbox-token",
        routing_key: str = "R0UT1NGKEYSANDBOX000000000000000",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        clock: Clock | None = None,
        service_name: str = "aiops sandbox",
        trigger_webhooks: bool = False,
    ) -> None:
        self.token = token
        self.routing_key = routing_key
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.state = PagerDutyState(
            clock=clock, service_name=service_name, trigger_webhooks=trigger_webhooks
        )
        self.requests: list[tuple[str, str, int]] = []  # method, path, status
        self.webhooks: list[WebhookDelivery] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._outbox: queue.Queue[JsonDict | None] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalPagerDuty:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True),
            threading.Thread(target=self._deliver_loop, daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        self._outbox.put(None)

    def __enter__(self) -> LocalPagerDuty:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/events"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/rest"

    # ------------------------------------------------------------------ test API
    def incident(self, dedup_key: str) -> PdIncidentRecord | None:
        return self.state.by_key(dedup_key)

    def notes(self, dedup_key: str) -> list[str]:
        """The contents of the notes on the page of ``dedup_key``, oldest first."""
        found = self.state.by_key(dedup_key)
        return [str(n["content"]) for n in self.state.notes_of(found.id)] if found else []

    def events_for(self, dedup_key: str) -> list[JsonDict]:
        with self.state.lock:
            return [e for e in self.state.events if e.get("dedup_key") == dedup_key]

    def fail_next(self, api: str, status: int, times: int = 1) -> None:
        """The next ``times`` requests to ``api`` (events|rest) answer ``status`` (0: drop)."""
        with self._lock:
            self._faults.append(_Fault(api, status, times))

    def ack_from_pagerduty(self, dedup_key: str, user_id: str | None = None) -> list[int | None]:
        """Acknowledge in PagerDuty's app; delivers the signed webhook now, returns statuses."""
        return [
            self._post_webhook(e)
            for e in self.state.act_on_pagerduty(dedup_key, "acknowledged", user_id)
        ]

    def resolve_from_pagerduty(
        self, dedup_key: str, user_id: str | None = None
    ) -> list[int | None]:
        return [
            self._post_webhook(e)
            for e in self.state.act_on_pagerduty(dedup_key, "resolved", user_id)
        ]

    def wait_webhooks(self, timeout: float = 5.0) -> None:
        """Block until every queued webhook has been delivered."""
        done = threading.Event()
        self._outbox.put({"__flush__": done})
        done.wait(timeout)

    # ------------------------------------------------------------------ webhooks
    def sign(self, body: bytes) -> str:
        secret = self.webhook_secret or ""
        return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def _post_webhook(self, event: JsonDict) -> int | None:
        data = event["event"]["data"]
        delivery = WebhookDelivery(event["event"]["event_type"], data["incident_key"], None, event)
        if self.webhook_url:
            body = json.dumps(event).encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "PagerDuty-Webhook/V3.0",
                "X-Webhook-Id": event["event"]["id"],
                "X-Webhook-Subscription": "PSUBSANDBOX",
                "X-PagerDuty-Signature": self.sign(body),
            }
            try:
                delivery.status = httpx.post(
                    self.webhook_url, content=body, headers=headers, timeout=10
                ).status_code
            except httpx.HTTPError:
                delivery.status = None
        with self._lock:
            self.webhooks.append(delivery)
        return delivery.status

    def _deliver_loop(self) -> None:
        while True:
            item = self._outbox.get()
            if item is None:
                return
            if "__flush__" in item:
                item["__flush__"].set()
                continue
            self._post_webhook(item)

    def _queue(self, events: list[JsonDict]) -> None:
        for e in events:
            self._outbox.put(e)

    # ------------------------------------------------------------------ request handling
    def _fault(self, api: str) -> int | None:
        with self._lock:
            for fault in self._faults:
                if fault.api == api and fault.remaining > 0:
                    fault.remaining -= 1
                    return fault.status
        return None

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, JsonDict]:
        url = urlsplit(raw_path)
        query = parse_qs(url.query)
        if url.path.startswith("/events/"):
            if method != "POST" or url.path != "/events/v2/enqueue":
                return 404, {"status": "not found"}
            try:
                event = json.loads(body or b"{}")
            except ValueError:
                return 400, {"status": "invalid event", "message": "Event object is invalid"}
            answer, hooks = self.state.enqueue(event, self.routing_key)
            self._queue(hooks)
            return 202, answer
        if not url.path.startswith("/rest/"):
            return 404, {"error": {"code": 2100, "message": "Not Found"}}
        if headers.get("Authorization") != f"Token token={self.token}":
            return 401, {"error": {"code": 2006, "message": "Unauthorized"}}
        return self._rest(method, url.path.removeprefix("/rest"), query, headers, body)

    def _rest(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, JsonDict]:
        state = self.state
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts == ["abilities"]:
            return 200, {"abilities": ["teams", "read_only_users"]}
        if method == "GET" and parts == ["users"]:
            with state.lock:
                users = [state.user_json(u) for u in state.users]
            return 200, _page("users", users)
        if method == "GET" and len(parts) == 2 and parts[0] == "users":
            if parts[1] not in state.users:
                return 404, {"error": {"code": 2100, "message": "Not Found"}}
            return 200, {"user": state.user_json(parts[1])}
        if method == "GET" and parts == ["oncalls"]:
            oncalls = state.oncalls(
                query.get("schedule_ids[]", []), query.get("escalation_policy_ids[]", [])
            )
            return 200, _page("oncalls", oncalls)
        if method == "GET" and parts == ["escalation_policies"]:
            with state.lock:
                policies = [state.policy_json(p) for p in state.policies.values()]
            return 200, _page("escalation_policies", policies)
        if method == "GET" and parts == ["incidents"]:
            key = query.get("incident_key", [None])[0]
            statuses = query.get("statuses[]", ["triggered", "acknowledged"])
            return 200, _page("incidents", state.list_incidents(key, statuses))
        if len(parts) == 3 and parts[0] == "incidents" and parts[2] == "notes":
            if method == "GET":
                return 200, _page("notes", state.notes_of(parts[1]))
            if method == "POST":
                from_email = headers.get("From")
                if not from_email:
                    return 400, {"error": {"code": 2001, "message": "From header is required"}}
                note = json.loads(body or b"{}").get("note") or {}
                return 201, {"note": state.add_note(parts[1], str(note.get("content", "")),
                                                    from_email)}  # fmt: skip
        if method == "PUT" and parts == ["incidents"]:
            from_email = headers.get("From")
            if not from_email:
                return 400, {"error": {"code": 2001, "message": "From header is required"}}
            changes = json.loads(body or b"{}").get("incidents", [])
            incidents, hooks = state.update_incidents(changes, from_email)
            self._queue(hooks)
            return 200, {"incidents": incidents}
        return 404, {"error": {"code": 2100, "message": "Not Found"}}


def _page(name: str, items: list[JsonDict]) -> JsonDict:
    page: JsonDict = {"limit": 100, "offset": 0, "more": False, "total": len(items)}
    page[name] = items
    return page


def _handler_for(pd: LocalPagerDuty) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            api = "events" if self.path.startswith("/events/") else "rest"
            fault = pd._fault(api)
            if fault == 0:
                self.close_connection = True
                self.connection.close()
                return
            answer: JsonDict
            if fault:
                status, answer = fault, {"error": {"message": "injected fault"}}
            else:
                try:
                    status, answer = pd.handle(self.command, self.path, self.headers, body)
                except PdApiError as exc:
                    status, answer = exc.status, exc.body
                except (ValueError, KeyError, TypeError) as exc:
                    status, answer = 400, {"error": {"code": 2001, "message": str(exc)}}
            with pd._lock:
                pd.requests.append((self.command, self.path, status))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

    return Handler
