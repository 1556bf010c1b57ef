"""A small local endpoint for the AWS calls moto 5.2.5 lacks, in the wire protocols boto3 uses:

* CloudTrail ``LookupEvents`` — AWS JSON 1.1 (``X-Amz-Target`` header);
* CloudWatch ``DescribeAlarmHistory`` — Smithy RPC v2 CBOR (what botocore 1.44 sends to
  ``/service/GraniteServiceVersion20100801/operation/DescribeAlarmHistory``), and JSON 1.0;
* GuardDuty and Inspector findings (REST-JSON) and AWS Config rule compliance (JSON 1.1),
  ``gaps_security.py``.

Point a boto3 client at it with ``endpoint_url=``; boto3 stays the client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sandbox.aws import cbor
from sandbox.aws.gaps_data import AlarmHistoryItem, TrailEvent
from sandbox.aws.gaps_security import SecurityError, SecurityServices
from sandbox.aws.moto_server import ACCOUNT_ID

_CLOUDTRAIL = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
_CLOUDWATCH = "GraniteServiceVersion20100801"
_LOOKUP_KEYS = {
    "EventId": lambda e: [e.event_id],
    "EventName": lambda e: [e.event_name],
    "ReadOnly": lambda e: ["false"],
    "Username": lambda e: [e.username],
    "EventSource": lambda e: [e.event_source],
    "AccessKeyId": lambda e: [e.access_key_id],
    "ResourceType": lambda e: [r["ResourceType"] for r in e.resources],
    "ResourceName": lambda e: [r["ResourceName"] for r in e.resources],
}


class GapError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _page(items: list[Any], token: Any, size: int) -> tuple[list[Any], str | None]:
    start = int(token) if token else 0
    chunk = items[start : start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


def lookup_events(events: Sequence[TrailEvent], request: dict[str, Any]) -> dict[str, Any]:
    start, end = _time(request.get("StartTime")), _time(request.get("EndTime"))
    if start and end and start > end:
        raise GapError("InvalidTimeRangeException", "StartTime is after EndTime")
    selected = [e for e in events if (not start or e.event_time >= start)]
    selected = [e for e in selected if not end or e.event_time <= end]
    attributes = request.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise GapError("InvalidLookupAttributesException", "only one lookup attribute is allowed")
    for attribute in attributes:
        key = attribute.get("AttributeKey")
        if key not in _LOOKUP_KEYS:
            raise GapError("InvalidLookupAttributesException", f"unknown AttributeKey {key!r}")
        value = attribute.get("AttributeValue")
        selected = [e for e in selected if value in _LOOKUP_KEYS[key](e)]
    selected.sort(key=lambda e: e.event_time, reverse=True)
    size = max(1, min(int(request.get("MaxResults") or 50), 50))
    page, token = _page(selected, request.get("NextToken"), size)
    out: dict[str, Any] = {"Events": [e.wire() for e in page]}
    if token:
        out["NextToken"] = token
    return out


def describe_alarm_history(items: Sequence[AlarmHistoryItem], request: dict[str, Any]) -> dict:
    start, end = _time(request.get("StartDate")), _time(request.get("EndDate"))
    selected = [
        item
        for item in items
        if (not request.get("AlarmName") or item.alarm_name == request["AlarmName"])
        and (request.get("HistoryItemType") in (None, "StateUpdate"))
        and (not start or item.timestamp >= start)
        and (not end or item.timestamp <= end)
    ]
    selected.sort(key=lambda i: i.timestamp, reverse=request.get("ScanBy") != "TimestampAscending")
    page, token = _page(selected, request.get("NextToken"), int(request.get("MaxRecords") or 100))
    out: dict[str, Any] = {"AlarmHistoryItems": [item.wire() for item in page]}
    if token:
        out["NextToken"] = token
    return out


#: JSON operations by name
Handlers = dict[str, Callable[[dict[str, Any]], dict[str, Any]]]
#: a REST-JSON call: (method, path, JSON body) -> answer, or None when the path is unknown
RestRoute = Callable[[str, str, dict[str, Any]], dict[str, Any] | None]


class GapAccount:
    """What one AWS account's stand-ins answer: its CloudTrail events, alarm history, and
    GuardDuty / Inspector / Config (``security``; None: none of them enabled)."""

    def __init__(
        self,
        events: Sequence[TrailEvent] = (),
        history: Sequence[AlarmHistoryItem] = (),
        security: SecurityServices | None = None,
    ) -> None:
        self.events = list(events)
        self.history = list(history)
        self.handlers: Handlers = {
            "LookupEvents": lambda req: lookup_events(self.events, req),
            "DescribeAlarmHistory": lambda req: describe_alarm_history(self.history, req),
            **(security.targets() if security else {}),
        }
        self.rest: RestRoute | None = security.route if security else None


def caller_account(authorization: str) -> str:
    """The AWS account a SigV4 request comes from: its access key as moto knows it (an
    assumed role's key belongs to the role's account; an unknown key to moto's default)."""
    from moto.iam.models import get_account_id_from

    credential = authorization.split("Credential=", 1)[-1].split("/", 1)[0].strip()
    return get_account_id_from(credential) if credential else ACCOUNT_ID


class GapServer:
    """``ThreadingHTTPServer`` on 127.0.0.1 (free port) serving the operations above.

    The stand-ins given here are the home account's (moto's default, the world's own). Another
    account answers only what ``add_account`` gave it — nothing in CloudTrail and no threat or
    Config service otherwise — so a finding read in one account can never be another's data.
    The caller's account comes from its request's access key (``caller_account``): moto runs in
    this process and knows which account an assumed role's key belongs to."""

    def __init__(
        self,
        events: Sequence[TrailEvent],
        history: Sequence[AlarmHistoryItem],
        security: SecurityServices | None = None,
    ) -> None:
        self.home = GapAccount(events, history, security)
        self.events, self.history = self.home.events, self.home.history
        self.accounts: dict[str, GapAccount] = {ACCOUNT_ID: self.home}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self.account_of))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def add_account(self, account_id: str, account: GapAccount) -> GapServer:
        """``account_id``'s own stand-ins (a test seeding accounts apart)."""
        self.accounts[account_id] = account
        return self

    def account_of(self, authorization: str) -> GapAccount:
        account = caller_account(authorization)
        if account not in self.accounts:  # nothing in CloudTrail, nothing enabled
            self.accounts.setdefault(
                account, GapAccount(security=SecurityServices(None, {}, account))
            )
        return self.accounts[account]

    @property
    def url(self) -> str:
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> GapServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_class(account_of: Callable[[str], GapAccount]) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _account(self) -> GapAccount:
            return account_of(self.headers.get("Authorization", ""))

        def _rest(self, method: str, body: bytes) -> None:
            rest = self._account().rest
            try:
                answer = rest(method, self.path, json.loads(body or b"{}")) if rest else None
                if answer is None:
                    raise SecurityError("UnknownOperationException", f"{method} {self.path}", 404)
                status, payload, kind = 200, answer, ""
            except SecurityError as exc:
                status, kind = exc.status, exc.code
                payload = {"__type": exc.code, "message": exc.message}
            except (ValueError, KeyError, TypeError) as exc:
                status, kind = 400, "ValidationException"
                payload = {"__type": kind, "message": str(exc)}
            raw = json.dumps(payload, default=_json_default).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            if kind:
                self.send_header("x-amzn-ErrorType", kind)
            self.send_header("x-amzn-RequestId", "aiops-sandbox")
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # noqa: N802
            self._rest("GET", b"")

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if "X-Amz-Target" not in self.headers and "/operation/" not in self.path:
                self._rest("POST", body)
                return
            use_cbor = "/operation/" in self.path
            if use_cbor:
                operation = self.path.rstrip("/").rsplit("/", 1)[-1]
            else:
                target = self.headers.get("X-Amz-Target", "")
                operation = target.rsplit(".", 1)[-1]
            try:
                handler = self._account().handlers.get(operation)
                if handler is None:
                    raise GapError(
                        "UnknownOperationException",
                        f"{operation or 'this call'} is not served by the sandbox gap endpoint",
                    )
                request = cbor.loads(body) if use_cbor else json.loads(body or b"{}")
                status, payload = 200, handler(request)
            except (GapError, SecurityError) as exc:
                status, payload = exc.status, {"__type": exc.code, "message": exc.message}
            except (ValueError, KeyError, TypeError) as exc:
                status, payload = 400, {"__type": "ValidationException", "message": str(exc)}
            if use_cbor:
                raw = cbor.dumps(payload)
                headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
            else:
                raw = json.dumps(payload, default=_json_default).encode()
                headers = {"Content-Type": "application/x-amz-json-1.1"}
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(raw))}.items():
                self.send_header(name, value)
            self.send_header("x-amzn-RequestId", "aiops-sandbox")
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)
