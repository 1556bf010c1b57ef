"""AWS Reachability Analyzer: is there a network path from one endpoint to another?

It creates a path and an analysis (analysis resources only; no traffic is changed), so its
permissions are not read-only and live in their own policy,
``deploy/aws/iam-reachability-analyzer.json``, which a deployment may grant or not. Without
them (or where the service does not exist, as in the local sandbox) the caller computes the
path from the describe_* output instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import AwsError, aws_errors


@dataclass(frozen=True)
class AnalyzerResult:
    reachable: bool
    explanations: list[str]  # the analyzer's explanation codes and components


def analyze_path(
    client: Any, source: str, destination: str, port: int, *, timeout_s: float = 20.0
) -> AnalyzerResult:
    """Run the Reachability Analyzer from ``source`` to ``destination`` (instance or ENI ids).
    Raises ``AwsError`` when the service is not available here (then compute it instead)."""
    with aws_errors("Reachability Analyzer"):
        path = client.create_network_insights_path(
            Source=source, Destination=destination, Protocol="tcp", DestinationPort=port
        )["NetworkInsightsPath"]["NetworkInsightsPathId"]
        analysis = client.start_network_insights_analysis(NetworkInsightsPathId=path)
        ident = analysis["NetworkInsightsAnalysis"]["NetworkInsightsAnalysisId"]
        deadline = time.monotonic() + timeout_s
        while True:
            found = client.describe_network_insights_analyses(NetworkInsightsAnalysisIds=[ident])[
                "NetworkInsightsAnalyses"
            ][0]
            if found.get("Status") != "running":
                break
            if time.monotonic() > deadline:
                raise AwsError("Timeout", "the Reachability Analyzer did not finish in time")
            time.sleep(1.0)
    if found.get("Status") == "failed":
        raise AwsError("AnalysisFailed", str(found.get("StatusMessage", "")))
    explanations = [
        " ".join(
            str(x)
            for x in (
                e.get("ExplanationCode"),
                (e.get("Component") or {}).get("Id"),
                (e.get("Acl") or e.get("SecurityGroup") or e.get("RouteTable") or {}).get("Id"),
            )
            if x
        )
        for e in found.get("Explanations", [])
    ]
    return AnalyzerResult(bool(found.get("NetworkPathFound")), explanations)
