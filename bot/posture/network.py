"""Security groups: rules open to the world ranked by port risk (``port_risk.yaml``), and
groups no network interface uses (the VPC's default group aside: it cannot be deleted).

A single-port TCP/UDP rule is fixed by ``ec2.revoke_ingress`` behind the usual approval;
ranges and all-traffic rules name no action (revoking them is a judgement call)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError
from bot.posture.finding import PostureFinding
from bot.posture.iam import Severity
from bot.yamlloc import load_yaml
from integrations.aws.posture_reads import GroupUse, OpenRule

RISK_FILE = Path(__file__).with_name("port_risk.yaml")


class PortRisk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    port: int = Field(ge=0, le=65535)
    name: str
    severity: Severity


class _AllTraffic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    severity: Severity


class _Web(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ports: list[int]
    severity: Severity


class PortRisks(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    all_traffic: _AllTraffic
    ports: list[PortRisk] = Field(min_length=1)
    web: _Web
    other: Severity


@lru_cache(maxsize=1)
def port_risks() -> PortRisks:
    try:
        return PortRisks.model_validate(load_yaml(RISK_FILE.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{RISK_FILE.name}: {exc}") from None


@dataclass(frozen=True)
class _Judged:
    rank: int
    label: str
    severity: Severity
    web: bool


def _judge(rule: OpenRule, risks: PortRisks) -> _Judged:
    if rule.protocol == "-1" or rule.from_port is None or rule.to_port is None:
        return _Judged(-1, risks.all_traffic.name, risks.all_traffic.severity, False)
    low, high = rule.from_port, rule.to_port
    for rank, risk in enumerate(risks.ports):
        if low <= risk.port <= high:
            label = risk.name if low == high else f"includes {risk.name} {risk.port}"
            return _Judged(rank, label, risk.severity, False)
    if all(p in risks.web.ports for p in range(low, high + 1)):
        return _Judged(len(risks.ports) + 1, "a public web port", risks.web.severity, True)
    return _Judged(len(risks.ports), "port", risks.other, False)


def _ports(rule: OpenRule) -> str:
    if rule.protocol == "-1" or rule.from_port is None:
        return "all traffic"
    span = f"{rule.from_port}" if rule.from_port == rule.to_port else (
        f"{rule.from_port}-{rule.to_port}")  # fmt: skip
    return f"{rule.protocol.upper()} {span}"


def open_groups(groups: list[GroupUse]) -> list[PostureFinding]:
    """World-open rules, riskiest port first."""
    risks = port_risks()
    ranked: list[tuple[int, PostureFinding]] = []
    for group in groups:
        for rule in group.world_rules:
            j = _judge(rule, risks)
            single = rule.from_port is not None and rule.from_port == rule.to_port
            # a web port on a web server is noted, not a finding to act on: it names no fix
            fix = rule.protocol in ("tcp", "udp") and single and not j.web
            label = f" ({j.label})" if j.label != "port" else ""
            ranked.append((j.rank, PostureFinding(
                check="sg_open_web" if j.web else "sg_open",
                resource=f"ec2:sg/{group.id}",
                severity=j.severity,
                summary=f"security group {group.name} allows {rule.cidr} on {_ports(rule)}"
                + label + ("" if group.in_use else "; no network interface uses it"),
                evidence=f"{group.id} in {group.vpc or 'EC2-Classic'}",
                fix_action="ec2.revoke_ingress" if fix else None,
                fix_params={"group": group.id, "port": str(rule.from_port), "cidr": rule.cidr,
                            "protocol": rule.protocol} if fix else {},
            )))  # fmt: skip
    return [f for _, f in sorted(ranked, key=lambda r: (r[0], r[1].summary))]


def unused_groups(groups: list[GroupUse]) -> list[PostureFinding]:
    """Groups attached to no network interface; each VPC's default group is left out."""
    return [
        PostureFinding(
            check="sg_unused",
            resource=f"ec2:sg/{g.id}",
            severity="low",
            summary=f"security group {g.name} ({g.id}) is attached to nothing",
            evidence="no network interface lists it",
        )
        for g in sorted(groups, key=lambda g: g.name)
        if not g.in_use and not g.default
    ]
