"""Drift of CloudFormation stacks: each resource's template properties (through the mapping)
against the live resource, with the template line of the property or resource."""

from __future__ import annotations

import logging
from typing import Any

import yaml

from bot.drift.compare import MISSING, Change, Drift, declared, differences
from bot.drift.mapping import Kind, Mapping, mapping
from bot.drift.report import DriftReport
from bot.errors import NotFound, UpstreamUnavailable, UserError
from bot.yamlloc import YamlLocator
from integrations.aws.cloudformation import (
    Stack,
    StackResource,
    live_attributes,
    read_stack,
    stack_names,
)
from integrations.aws.errors import AwsError, AwsNotFound

log = logging.getLogger("aiops.drift")


class _TemplateLoader(yaml.SafeLoader):
    """Reads the short intrinsic forms (``!Ref x``, ``!GetAtt a.b``) as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {key: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {key: loader.construct_sequence(node, deep=True)}
    return {key: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def parse_template(text: str, origin: str) -> dict[str, Any]:
    try:
        doc = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise UserError(f"{origin}: the template is not valid YAML or JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise UserError(f"{origin}: the template has no Resources")
    return doc


def _resource_drift(
    origin: str,
    res: StackResource,
    kind: Kind,
    props: dict[str, Any],
    live: dict[str, Any] | None,
    locate: YamlLocator | None,
) -> list[Drift]:
    def drift(change: Change, attribute: str, want: str, got: str, loc: tuple[str, ...]) -> Drift:
        path = ("Resources", res.logical_id, *loc)
        if locate is not None:
            source = f"template line {locate.line(path)}"
        else:  # a JSON body arrives parsed: its lines are unknown, its path is not
            source = "template: " + ".".join(path)
        return Drift(
            origin, res.logical_id, res.type, res.physical_id, change, attribute, want, got, source
        )

    if live is None:
        return [drift("removed", "", res.physical_id, "(none)", ())]
    found = []
    for attr in kind.attributes:
        if attr.cloudformation is None or attr.cfn_shape is None:
            continue
        want = declared(props, attr.cloudformation, attr.cfn_shape)
        if want is MISSING:
            continue
        loc = ("Properties", attr.cloudformation.split(".")[0])
        found += [
            drift(change, name, expected, actual, loc)
            for change, name, expected, actual in differences(attr.name, want, live.get(attr.name))
        ]
    return found


def stack_drift(stack: Stack, clients: Any, kinds: Mapping | None = None) -> DriftReport:
    """The differences between one stack's template and its live resources."""
    kinds = kinds or mapping()
    origin = f"stack {stack.name}"
    template = parse_template(stack.template, origin)
    locate = YamlLocator.of_text(stack.name, stack.template) if stack.as_written else None
    report = DriftReport()
    for res in stack.resources:
        kind = kinds.for_cloudformation(res.type)
        if kind is None:
            report.skipped.append(f"{res.logical_id} ({res.type})")
            continue
        props = template["Resources"].get(res.logical_id, {}).get("Properties") or {}
        try:
            live = live_attributes(clients, kind.live, res.physical_id)
        except AwsError as exc:
            report.errors.append(f"{origin} {res.logical_id}: {exc}")
            continue
        report.compared += 1
        report.drifts += _resource_drift(origin, res, kind, props, live, locate)
    return report


def cloudformation_drift(cf: Any, clients: Any, stack: str | None = None) -> DriftReport:
    """Drift of the named stack, or of every stack in the region."""
    try:
        names = [stack] if stack else stack_names(cf)
    except AwsError as exc:
        raise UpstreamUnavailable(f"CloudFormation cannot be read: {exc}") from None
    report = DriftReport()
    for name in names:
        try:
            report.merge(stack_drift(read_stack(cf, name), clients))
        except AwsNotFound:
            if stack:
                raise NotFound(f"stack {name!r} was not found") from None
            report.errors.append(f"stack {name}: gone while reading")
        except AwsError as exc:
            report.errors.append(f"stack {name}: {exc}")
    return report
