"""GuardDuty, Inspector and AWS Config as the gap endpoint serves them (moto 5.2.5 has no
GuardDuty findings, no Inspector findings it can be given, no Config rule compliance), from a
scenario's optional ``aws.guardduty`` / ``aws.inspector`` / ``aws.config``; a section left out
is that service not enabled.

GuardDuty and Inspector speak REST-JSON (routed by method and path here), Config speaks JSON 1.1
(``X-Amz-Target: StarlingDoveService.<Operation>``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.aws.moto_server import ACCOUNT_ID
from sandbox.scenario_models import Scenario
from sandbox.scenario_security import GuardDutyFinding, InspectorFinding

DETECTOR_ID = "12abc34d567e8fa901bc2d34e56789f0"
_GD_DETAILS: dict[str, Callable[[str], dict[str, Any]]] = {
    "Instance": lambda r: {"instanceDetails": {"instanceId": r}},
    "S3Bucket": lambda r: {"s3BucketDetails": [{"name": r, "arn": f"arn:aws:s3:::{r}"}]},
    "AccessKey": lambda r: {"accessKeyDetails": {"userName": r}},
}


class SecurityError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _page(items: list[Any], token: Any, size: int) -> tuple[list[Any], str | None]:
    start = int(token) if token else 0
    return items[start : start + size], (str(start + size) if start + size < len(items) else None)


def _id(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:32]


def _guardduty(
    scenario: Scenario, findings: list[GuardDutyFinding], refs: Mapping[str, str], account: str
) -> list[dict[str, Any]]:
    out = []
    region = scenario.region
    for i, f in enumerate(findings):
        when = (scenario.now + f.at).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        fid = _id("guardduty", scenario.name, i)
        subject = refs.get(f.resource, f.resource)
        details: dict[str, Any] = {}
        if f.resource_type in _GD_DETAILS:
            details = _GD_DETAILS[f.resource_type](subject)
        out.append({
            "accountId": account, "region": region, "partition": "aws", "id": fid,
            "arn": f"arn:aws:guardduty:{region}:{account}:detector/{DETECTOR_ID}"
            f"/finding/{fid}",
            "type": f.type, "title": f.title, "description": f.title,
            "severity": f.severity, "schemaVersion": "2.0",
            "createdAt": when, "updatedAt": when,
            "resource": {"resourceType": f.resource_type, **details},
            "service": {"serviceName": "guardduty", "detectorId": DETECTOR_ID,
                        "archived": f.archived, "count": f.count,
                        "eventFirstSeen": when, "eventLastSeen": when},
        })  # fmt: skip
    return out


def _inspector(
    scenario: Scenario, findings: list[InspectorFinding], refs: Mapping[str, str], account: str
) -> list[dict[str, Any]]:
    out = []
    region = scenario.region
    for i, f in enumerate(findings):
        at = (scenario.now + f.at).timestamp()
        item: dict[str, Any] = {
            "awsAccountId": account, "title": f.title, "description": f.title,
            "findingArn": f"arn:aws:inspector2:{region}:{account}:finding/"
            + _id("inspector", scenario.name, i),
            "type": f.type, "severity": f.severity, "status": f.status,
            "firstObservedAt": at, "lastObservedAt": at, "updatedAt": at,
            "resources": [{"type": f.resource_type, "id": refs.get(f.resource, f.resource),
                           "region": region}],
        }  # fmt: skip
        if f.vulnerability_id:
            item["packageVulnerabilityDetails"] = {
                "vulnerabilityId": f.vulnerability_id, "source": "NVD", "vulnerablePackages": [],
            }  # fmt: skip
        out.append(item)
    return out


class SecurityServices:
    """The wire form of the world's GuardDuty, Inspector and Config, with their operations."""

    def __init__(
        self, scenario: Scenario | None, refs: Mapping[str, str], account_id: str = ACCOUNT_ID
    ) -> None:
        """``scenario`` None: an account where none of the three is enabled."""
        aws = scenario.aws if scenario is not None else None
        self.guardduty: list[dict[str, Any]] | None = None
        self.inspector: list[dict[str, Any]] | None = None
        self.config: list[tuple[str, list[dict[str, str]]]] | None = None
        if scenario is not None and aws is not None and aws.guardduty is not None:
            self.guardduty = _guardduty(scenario, aws.guardduty.findings, refs, account_id)
        if scenario is not None and aws is not None and aws.inspector is not None:
            self.inspector = _inspector(scenario, aws.inspector.findings, refs, account_id)
        if aws is not None and aws.config is not None:
            self.config = [
                (r.name, [{"type": x.type, "id": refs.get(x.id, x.id),
                           "compliance": x.compliance} for x in r.resources])
                for r in aws.config.rules
            ]  # fmt: skip
        self.recorded = scenario.now.timestamp() if scenario is not None else 0.0
        self.account_id = account_id

    # ------------------------------------------------------------------ GuardDuty
    def _detector(self, detector: str) -> list[dict[str, Any]]:
        if self.guardduty is None or detector != DETECTOR_ID:
            message = "the input detectorId is not owned by the current account"
            raise SecurityError("BadRequestException", message)
        return self.guardduty

    def list_detectors(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        return {"detectorIds": [DETECTOR_ID] if self.guardduty is not None else []}

    def list_findings(self, detector: str, body: dict[str, Any]) -> dict[str, Any]:
        findings = self._detector(detector)
        criteria = (body.get("findingCriteria") or {}).get("criterion") or {}
        for key, cond in criteria.items():
            if key != "service.archived":
                raise SecurityError("BadRequestException", f"criterion {key} is not served")
            wanted = {str(v).lower() for v in cond.get("eq") or cond.get("equals") or []}
            findings = [f for f in findings if str(f["service"]["archived"]).lower() in wanted]
        ids = [f["id"] for f in sorted(findings, key=lambda f: -f["severity"])]
        page, token = _page(ids, body.get("nextToken"), int(body.get("maxResults") or 50))
        return {"findingIds": page, **({"nextToken": token} if token else {})}

    def get_findings(self, detector: str, body: dict[str, Any]) -> dict[str, Any]:
        ids = list(body.get("findingIds") or [])
        if len(ids) > 50:
            raise SecurityError("BadRequestException", "at most 50 findingIds")
        by_id = {f["id"]: f for f in self._detector(detector)}
        return {"findings": [by_id[i] for i in ids if i in by_id]}

    # ------------------------------------------------------------------ Inspector
    def account_status(self, body: dict[str, Any]) -> dict[str, Any]:
        status = "ENABLED" if self.inspector is not None else "DISABLED"
        state = {"status": status}
        return {
            "accounts": [{"accountId": self.account_id, "state": state,
                          "resourceState": {k: state for k in ("ec2", "ecr", "lambda")}}],
            "failedAccounts": [],
        }  # fmt: skip

    def inspector_findings(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.inspector is None:
            raise SecurityError("AccessDeniedException", "Inspector is not enabled", 403)
        findings = self.inspector
        for key, conds in (body.get("filterCriteria") or {}).items():
            if key != "findingStatus":
                raise SecurityError("ValidationException", f"filter {key} is not served")
            wanted = {c["value"] for c in conds if c.get("comparison") == "EQUALS"}
            findings = [f for f in findings if f["status"] in wanted]
        page, token = _page(findings, body.get("nextToken"), int(body.get("maxResults") or 50))
        return {"findings": page, **({"nextToken": token} if token else {})}

    # ------------------------------------------------------------------ Config
    def _rules(self) -> list[tuple[str, list[dict[str, str]]]]:
        return self.config or []

    def describe_compliance_by_config_rule(self, body: dict[str, Any]) -> dict[str, Any]:
        names = set(body.get("ConfigRuleNames") or [])
        known = {name for name, _ in self._rules()}
        if names - known:
            raise SecurityError("NoSuchConfigRuleException", f"{sorted(names - known)}")
        out: list[dict[str, Any]] = []
        for name, resources in self._rules():
            if names and name not in names:
                continue
            bad = [r for r in resources if r["compliance"] == "NON_COMPLIANT"]
            if bad:
                kind = "NON_COMPLIANT"
            elif any(r["compliance"] == "COMPLIANT" for r in resources):
                kind = "COMPLIANT"
            else:
                kind = "INSUFFICIENT_DATA"
            compliance: dict[str, Any] = {"ComplianceType": kind}
            if bad:
                compliance["ComplianceContributorCount"] = {"CappedCount": len(bad),
                                                            "CapExceeded": False}  # fmt: skip
            out.append({"ConfigRuleName": name, "Compliance": compliance})
        wanted = set(body.get("ComplianceTypes") or [])
        out = [r for r in out if not wanted or r["Compliance"]["ComplianceType"] in wanted]
        page, token = _page(out, body.get("NextToken"), 25)
        return {"ComplianceByConfigRules": page, **({"NextToken": token} if token else {})}

    def get_compliance_details_by_config_rule(self, body: dict[str, Any]) -> dict[str, Any]:
        rules = dict(self._rules())
        name = str(body.get("ConfigRuleName"))
        if name not in rules:
            raise SecurityError("NoSuchConfigRuleException", f"rule {name} does not exist")
        wanted = set(body.get("ComplianceTypes") or [])
        results = [
            {"EvaluationResultIdentifier": {"EvaluationResultQualifier": {
                "ConfigRuleName": name, "ResourceType": r["type"], "ResourceId": r["id"]},
                "OrderingTimestamp": self.recorded},
             "ComplianceType": r["compliance"], "ResultRecordedTime": self.recorded,
             "ConfigRuleInvokedTime": self.recorded}
            for r in rules[name] if not wanted or r["compliance"] in wanted
        ]  # fmt: skip
        page, token = _page(results, body.get("NextToken"), int(body.get("Limit") or 100))
        return {"EvaluationResults": page, **({"NextToken": token} if token else {})}

    # ------------------------------------------------------------------ routing
    def targets(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        """JSON 1.1 operations by name (AWS Config)."""
        return {
            "DescribeComplianceByConfigRule": self.describe_compliance_by_config_rule,
            "GetComplianceDetailsByConfigRule": self.get_compliance_details_by_config_rule,
        }

    def route(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """A REST-JSON call (GuardDuty, Inspector), or None when the path is not one."""
        path = path.split("?", 1)[0].rstrip("/")
        if method == "GET" and path == "/detector":
            return self.list_detectors({}, body)
        if method == "POST" and (m := re.fullmatch(r"/detector/([^/]+)/findings", path)):
            return self.list_findings(m.group(1), body)
        if method == "POST" and (m := re.fullmatch(r"/detector/([^/]+)/findings/get", path)):
            return self.get_findings(m.group(1), body)
        if method == "POST" and path == "/status/batch/get":
            return self.account_status(body)
        if method == "POST" and path == "/findings/list":
            return self.inspector_findings(body)
        return None
