"""Reading a YAML configuration file into its pydantic model, with one error naming where.

Every problem is a ``UserError``: ``<source> line N: not valid YAML``, ``<source>: expected a
mapping …``, or ``<source>: <dotted.key>: <reason>`` for the first invalid key. The knowledge
files the bot ships (rules, catalogues, vocabularies) validate through ``validate_knowledge``:
a ``ConfigError`` ``<origin>: <dotted.key>: <reason>``.

Their models derive from ``StrictModel`` (an unknown key is an error, so a typo never silently
means nothing) or, for what must not change once loaded, ``FrozenModel``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import ConfigError, UserError
from bot.yamlloc import load_yaml

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """A model read from YAML: a key it does not declare is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class FrozenModel(StrictModel):
    """A strict model that is read-only once validated (and so hashable): shipped knowledge."""

    model_config = ConfigDict(frozen=True)


def load_yaml_mapping(text: str, *, source: str, expected: str) -> dict[str, Any]:
    """The top-level mapping of ``text`` (empty text: an empty mapping)."""
    try:
        raw = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"{source}{where}: not valid YAML") from None
    if not isinstance(raw, dict):
        raise UserError(f"{source}: expected {expected}")
    return raw


def validate_model(model: type[M], raw: dict[str, Any], *, source: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise UserError(f"{source}: {where}: {msg}") from None


def validate_knowledge(model: type[M], raw: Any, *, origin: str) -> M:
    """``raw`` (a knowledge file's parsed YAML) as ``model``; the first invalid key is a
    ``ConfigError`` naming ``origin`` and the dotted key."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{origin}: {where}: {first['msg']}") from None


def read_text(path: Path, *, what: str, hint: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {what} {path} ({exc.strerror})", hint=hint) from None


def parse_model(model: type[M], data: Any, *, source: str, expected: str) -> M:
    """Parsed YAML as ``model``: nothing is the model's defaults; anything but a mapping is
    ``<source>: expected <expected>``."""
    if data is None:
        return model()
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected {expected}")
    return validate_model(model, data, source=source)


def load_model(model: type[M], path: Path | None, *, what: str, hint: str, expected: str) -> M:
    """The YAML file at ``path`` as ``model`` (no path: the model's defaults)."""
    if path is None:
        return model()
    text = read_text(Path(path), what=what, hint=hint)
    raw = load_yaml_mapping(text, source=str(path), expected=expected)
    return parse_model(model, raw, source=str(path), expected=expected)
