"""Drift of Terraform-managed resources: a state file (``terraform.tfstate``, format v4) or the
JSON of ``terraform show -json`` (state or plan: ``values`` / ``planned_values``), each managed
resource's attributes (through the mapping) against the live resource. State has no source
lines, so a difference names its address: ``state: aws_instance.web``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.drift.compare import MISSING, Change, Drift, declared, differences
from bot.drift.mapping import Kind, Mapping, mapping
from bot.drift.report import DriftReport
from bot.errors import UserError
from integrations.aws.cloudformation import live_attributes
from integrations.aws.errors import AwsError


@dataclass(frozen=True)
class TfResource:
    address: str
    type: str
    attributes: dict[str, Any]


def _from_state(doc: dict[str, Any]) -> Iterator[TfResource]:
    for res in doc.get("resources") or []:
        if res.get("mode") != "managed":
            continue
        base = f"{res['type']}.{res['name']}"
        if res.get("module"):
            base = f"{res['module']}.{base}"
        for inst in res.get("instances") or []:
            key = inst.get("index_key")
            suffix = "" if key is None else f"[{json.dumps(key)}]"
            yield TfResource(base + suffix, res["type"], inst.get("attributes") or {})


def _from_module(module: dict[str, Any]) -> Iterator[TfResource]:
    for res in module.get("resources") or []:
        if res.get("mode") == "managed":
            yield TfResource(res["address"], res["type"], res.get("values") or {})
    for child in module.get("child_modules") or []:
        yield from _from_module(child)


def parse_terraform(text: str, origin: str) -> list[TfResource]:
    """The managed resources of a state file or of ``terraform show -json`` output."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{origin}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise UserError(f"{origin}: not a Terraform state or plan")
    try:
        if "resources" in doc and "version" in doc:
            if doc["version"] != 4:
                raise UserError(f"{origin}: state format version {doc['version']}; 4 is read")
            return list(_from_state(doc))
        values = doc.get("planned_values") or doc.get("values")
        if isinstance(values, dict):
            return list(_from_module(values.get("root_module") or {}))
    except (KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{origin}: a resource is malformed ({exc})") from None
    raise UserError(
        f"{origin}: not a Terraform state (v4) or `terraform show -json` output",
        hint="pass terraform.tfstate, or save `terraform show -json` to a file",
    )


def _resource_drift(
    origin: str, res: TfResource, kind: Kind, physical: str, live: dict[str, Any] | None
) -> list[Drift]:
    def drift(change: Change, attr: str, want: str, got: str) -> Drift:
        source = f"state: {res.address}"
        return Drift(origin, res.address, res.type, physical, change, attr, want, got, source)

    if live is None:
        return [drift("removed", "", physical, "(none)")]
    found = []
    for attr in kind.attributes:
        if attr.terraform is None or attr.tf_shape is None:
            continue
        want = declared(res.attributes, attr.terraform, attr.tf_shape)
        if want is MISSING:
            continue
        found += [drift(*d) for d in differences(attr.name, want, live.get(attr.name))]
    return found


def terraform_drift(
    resources: list[TfResource], clients: Any, origin: str, kinds: Mapping | None = None
) -> DriftReport:
    """The differences between the declared attributes and the live resources."""
    kinds = kinds or mapping()
    report = DriftReport()
    for res in resources:
        kind = kinds.for_terraform(res.type)
        if kind is None:
            report.skipped.append(f"{res.address} ({res.type})")
            continue
        physical = str(res.attributes.get(kind.terraform_id) or res.attributes.get("id") or "")
        if not physical:
            report.errors.append(f"{origin} {res.address}: no {kind.terraform_id} in the state")
            continue
        try:
            live = live_attributes(clients, kind.live, physical)
        except AwsError as exc:
            report.errors.append(f"{origin} {res.address}: {exc}")
            continue
        report.compared += 1
        report.drifts += _resource_drift(origin, res, kind, physical, live)
    return report


def terraform_file_drift(path: Path, clients: Any) -> DriftReport:
    try:
        text = path.read_text()
    except OSError as exc:
        raise UserError(f"--tfstate {path}: cannot read it ({exc.strerror})") from None
    return terraform_drift(parse_terraform(text, path.name), clients, path.name)
