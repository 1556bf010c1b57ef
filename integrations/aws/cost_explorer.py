"""Cost Explorer: daily unblended cost by service (``ce.get_cost_and_usage``, every page).

Cost Explorer may be closed to the bot (AccessDenied), not enabled on the account, or out of
reach; ``CostExplorerUnavailable`` says which, in words safe to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

METRIC = "UnblendedCost"


class CostExplorerUnavailable(RuntimeError):
    """Cost Explorer did not answer; the message is the reason (safe to show)."""


@dataclass(frozen=True)
class DailyCost:
    day: date
    service: str
    amount: float
    unit: str
    estimated: bool


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "Unknown")), str(error.get("Message", ""))
        if "AccessDenied" in code or "UnauthorizedOperation" in code:
            return f"access denied: {message or code}"
        if code == "DataUnavailableException":
            return "no data (Cost Explorer is not enabled on this account, or it is new)"
        return f"{code}: {message}".strip(": ")
    return f"unreachable: {exc}"


def daily_cost_by_service(client: Any, start: date, end: date) -> list[DailyCost]:
    """Cost of each service on each day in ``[start, end)`` (``end`` exclusive, as in AWS)."""
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": [METRIC],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    out: list[DailyCost] = []
    try:
        while True:
            page = client.get_cost_and_usage(**request)
            for result in page.get("ResultsByTime", []):
                day = date.fromisoformat(str(result["TimePeriod"]["Start"])[:10])
                estimated = bool(result.get("Estimated"))
                for group in result.get("Groups", []):
                    cost = group.get("Metrics", {}).get(METRIC, {})
                    out.append(
                        DailyCost(
                            day=day,
                            service=str((group.get("Keys") or ["?"])[0]),
                            amount=float(cost.get("Amount") or 0.0),
                            unit=str(cost.get("Unit") or "USD"),
                            estimated=estimated,
                        )
                    )
            token = page.get("NextPageToken")
            if not token:
                break
            request["NextPageToken"] = token
    except (ClientError, BotoCoreError) as exc:
        raise CostExplorerUnavailable(_reason(exc)) from exc
    return out
