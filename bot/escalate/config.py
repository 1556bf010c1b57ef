"""Read and validate ``escalation.yaml``; every problem is one UserError naming where it is."""

from __future__ import annotations

from pathlib import Path

from bot.configfile import load_yaml_mapping, read_text, validate_model
from bot.escalate.models import EscalationFile


def parse_escalation(text: str, *, source: str = "escalation.yaml") -> EscalationFile:
    raw = load_yaml_mapping(text, source=source, expected="a mapping with 'policies' at the top")
    return validate_model(EscalationFile, raw, source=source)


def load_escalation_file(path: Path) -> EscalationFile:
    text = read_text(path, what="escalation file", hint="check AIOPS_ESCALATION_FILE")
    return parse_escalation(text, source=str(path))
