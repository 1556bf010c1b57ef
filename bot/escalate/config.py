"""Read and validate ``escalation.yaml``; every problem is one UserError naming where it is."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.errors import UserError
from bot.escalate.models import EscalationFile


def parse_escalation(text: str, *, source: str = "escalation.yaml") -> EscalationFile:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"{source}{where}: not valid YAML") from None
    if not isinstance(raw, dict):
        raise UserError(f"{source}: expected a mapping with 'policies' at the top")
    try:
        return EscalationFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise UserError(f"{source}: {where}: {msg}") from None


def load_escalation_file(path: Path) -> EscalationFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot read escalation file {path} ({exc.strerror})",
            hint="check AIOPS_ESCALATION_FILE",
        ) from None
    return parse_escalation(text, source=str(path))
