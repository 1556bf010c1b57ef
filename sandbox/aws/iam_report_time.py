"""moto writes its IAM credential report from the live users at every request but stamps it
``GeneratedTime: 2015-02-02T20:02:02Z``; a reader that (rightly) refuses a stale report would
never use it. Stamp it with the time it was made, which for moto is now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_applied = False


def patch() -> None:
    global _applied
    if _applied:
        return
    from moto.iam.responses import IamResponse

    original = IamResponse.get_credential_report

    def get_credential_report(self: Any) -> Any:
        result = original(self)
        body = getattr(result, "result", None)
        if isinstance(body, dict) and "GeneratedTime" in body:
            body["GeneratedTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return result

    IamResponse.get_credential_report = get_credential_report  # type: ignore[method-assign]
    _applied = True
