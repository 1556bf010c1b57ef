"""The dated price table (``prices.yaml``) and the cost rules (``cost_rules.yaml``), each
validated, each overridable by a file of one's own merged over the shipped one key by key
(``AIOPS_PRICES_FILE``, ``AIOPS_COST_RULES_FILE``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, Field, PositiveFloat, ValidationError, model_validator

from bot.configfile import FrozenModel
from bot.errors import ConfigError
from bot.yamlloc import format_loc, load_yaml

PRICES_FILE = Path(__file__).with_name("prices.yaml")
RULES_FILE = Path(__file__).with_name("cost_rules.yaml")
M = TypeVar("M", bound=BaseModel)


class PriceTable(FrozenModel):
    as_of: date
    region: str = Field(min_length=1)
    currency: str = "USD"
    hours_per_month: PositiveFloat = 730.0
    sources: dict[str, str]
    ec2_hourly: dict[str, PositiveFloat]
    ebs_gb_month: dict[str, PositiveFloat]
    snapshot_gb_month: dict[str, PositiveFloat]
    elastic_ip_hourly: PositiveFloat
    rds_hourly: dict[str, PositiveFloat]
    lambda_gb_second: dict[str, PositiveFloat]

    @model_validator(mode="after")
    def _sources_are_pages(self) -> PriceTable:
        for name, url in self.sources.items():
            if not url.startswith("https://"):
                raise ValueError(f"sources.{name}: the pricing page's https:// address")
        for kind in ("ebs", "rds"):
            if kind not in self.snapshot_gb_month:
                raise ValueError(f"snapshot_gb_month needs a price for {kind!r}")
        return self

    def monthly(self, hourly: float) -> float:
        return hourly * self.hours_per_month

    @property
    def dated(self) -> str:
        """``"prices as of 2026-11-02, us-east-1"``: what every report says."""
        return f"prices as of {self.as_of.isoformat()}, {self.region}"


class IdleRule(FrozenModel):
    cpu_below_percent: PositiveFloat
    days: int = Field(ge=1, le=63)
    min_days: int = Field(ge=1)


class MetricName(FrozenModel):
    namespace: str
    name: str


class RightsizeRule(FrozenModel):
    days: int = Field(ge=1, le=63)
    percentile: float = Field(gt=0, le=100)
    max_after_percent: float = Field(gt=0, le=100)
    min_days: int = Field(ge=1)
    memory: dict[str, MetricName] = Field(default_factory=dict)  # ec2 | rds -> metric


class LambdaRule(FrozenModel):
    days: int = Field(ge=1, le=63)
    headroom: float = Field(ge=1.0)
    step_mb: int = Field(ge=1)
    min_mb: int = Field(ge=128)
    min_invocations: int = Field(ge=1)


class SnapshotRule(FrozenModel):
    older_than_days: int = Field(ge=1)


class AnomalyRule(FrozenModel):
    spend_days: int = Field(ge=2, le=365)
    trailing_days: int = Field(ge=3)
    threshold: PositiveFloat
    min_over: float = Field(ge=0)

    @model_validator(mode="after")
    def _window_fits(self) -> AnomalyRule:
        if self.trailing_days >= self.spend_days:
            raise ValueError("trailing_days must be shorter than spend_days")
        return self


class Fix(FrozenModel):
    action: str | None = None  # a remediation registry action name
    how: str


class CostRules(FrozenModel):
    idle: IdleRule
    rightsizing: RightsizeRule
    sizes: list[str] = Field(min_length=2)
    lambda_: LambdaRule = Field(alias="lambda")
    snapshots: SnapshotRule
    anomaly: AnomalyRule
    fixes: dict[str, Fix]

    @model_validator(mode="after")
    def _actions_exist(self) -> CostRules:
        from bot.remediate import registry

        known = {spec.name for spec in registry.all_actions()}
        for check, fix in self.fixes.items():
            if fix.action is not None and fix.action not in known:
                raise ValueError(f"fixes.{check}.action: no registry action {fix.action!r}")
        return self

    def smaller(self, name: str, priced: dict[str, float]) -> str | None:
        """The next smaller size of ``name``'s family (``t3.large`` → ``t3.medium``,
        ``db.r5.xlarge`` → ``db.r5.large``) that ``priced`` has a price for, or None."""
        family, _, size = name.rpartition(".")
        if not family or size not in self.sizes:
            return None
        for smaller in reversed(self.sizes[: self.sizes.index(size)]):
            if f"{family}.{smaller}" in priced:
                return f"{family}.{smaller}"
        return None


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{what} file {path} does not exist")
    try:
        data = load_yaml(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, got {type(data).__name__}")
    return data


def _load(model: type[M], shipped: Path, override: Path | None, what: str) -> M:
    data = _read(shipped, what)
    origin = str(shipped)
    if override is not None:
        data = merge(data, _read(override, what))
        origin = f"{override} (merged over {shipped.name})"
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = format_loc(tuple(first["loc"])) or "(top)"
        raise ConfigError(f"{origin}: {where}: {first['msg']}") from None


def load_prices(override: Path | None = None) -> PriceTable:
    return _load(PriceTable, PRICES_FILE, override, "price table")


def load_rules(override: Path | None = None) -> CostRules:
    return _load(CostRules, RULES_FILE, override, "cost rules")
