"""Failure-signature catalogue schema (``playbooks/signatures/*.yaml``), validated at load.

A signature maps what a system prints (a log line, a Kubernetes event, a container's waiting
reason, an exit code, a log source's name) to a closed ``CauseKind`` and the attributes its
regular expression extracts through named groups. Each entry cites the public documentation it
comes from and carries realistic ``examples`` (must match, with the attributes they yield) and
``near_misses`` (must not match). Errors name the file, the line and the key:
``tls.yaml:42: signatures[3].match.line: unbalanced parenthesis``. See docs/playbooks.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from bot.configfile import FrozenModel
from bot.errors import ConfigError
from bot.investigate.signature_kinds import AttrName, CauseKind

SIGNATURE_DIR = Path(__file__).resolve().parents[2] / "playbooks" / "signatures"


_GROUP = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")


def _compile(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value, re.I)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class Match(FrozenModel):
    """Where a signature looks. Exactly one domain: ``line``, ``source``, ``event_reason``,
    ``waiting_reason`` or ``exit_code``/``exit_reason``; ``message`` narrows the last three.

    ``line``, ``source`` and ``message`` are searched (case-insensitive); the reasons are
    matched whole (case-sensitive, as Kubernetes spells them).
    """

    line: str | None = None
    source: str | None = None
    event_reason: str | None = None
    waiting_reason: str | None = None
    exit_code: list[int] | None = None
    exit_reason: str | None = None
    message: str | None = None

    _check = field_validator(
        "line", "source", "event_reason", "waiting_reason", "exit_reason", "message"
    )(_compile)

    @field_validator("exit_code", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @model_validator(mode="after")
    def _one_domain(self) -> Match:
        domains = [
            d
            for d, on in (
                ("line", self.line is not None),
                ("source", self.source is not None),
                ("event", self.event_reason is not None),
                ("waiting", self.waiting_reason is not None),
                ("exit", self.exit_code is not None or self.exit_reason is not None),
            )
            if on
        ]
        if len(domains) != 1:
            raise ValueError(
                "exactly one of line / source / event_reason / waiting_reason / exit_code|"
                f"exit_reason is required, got {domains or 'none'}"
            )
        if self.message is not None and domains[0] in ("line", "source"):
            raise ValueError("message narrows an event, a waiting reason or an exit only")
        return self

    @property
    def domain(self) -> Literal["line", "source", "event", "waiting", "exit"]:
        if self.line is not None:
            return "line"
        if self.source is not None:
            return "source"
        if self.event_reason is not None:
            return "event"
        if self.waiting_reason is not None:
            return "waiting"
        return "exit"

    def patterns(self) -> list[str]:
        return [
            p
            for p in (
                self.line,
                self.source,
                self.event_reason,
                self.waiting_reason,
                self.exit_reason,
                self.message,
            )
            if p is not None
        ]


class Example(FrozenModel):
    """A realistic input. ``line`` for line and source signatures (a log line or a source
    name), ``reason`` + ``message`` for events and waiting reasons, ``exit_code`` + ``reason``
    for exits; ``attrs`` are what the match must extract (only for examples, not near misses)."""

    line: str | None = None
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    attrs: dict[AttrName, str] = Field(default_factory=dict)


class Signature(FrozenModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    kind: CauseKind
    match: Match
    attrs: list[AttrName] = Field(default_factory=list)
    explain: str = Field(min_length=8)
    source: str = Field(pattern=r"^https://\S+$")
    priority: int = 0  # higher wins when several signatures match the same input
    examples: list[Example] = Field(min_length=1)
    near_misses: list[Example] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _short_examples(cls, raw: Any) -> Any:
        """A bare string is an example ``line`` (``examples: ["No space left on device"]``)."""
        if isinstance(raw, dict):
            for key in ("examples", "near_misses"):
                items = raw.get(key)
                if isinstance(items, list):
                    raw = {
                        **raw,
                        key: [{"line": i} if isinstance(i, str) else i for i in items],
                    }
        return raw

    @model_validator(mode="after")
    def _groups_declared(self) -> Signature:
        groups: set[str] = set()
        for pattern in self.match.patterns():
            groups.update(_GROUP.findall(pattern))
        declared = {a.value for a in self.attrs}
        if groups - declared:
            raise ValueError(
                f"named group(s) {sorted(groups - declared)} not declared in attrs "
                f"(allowed: {', '.join(a.value for a in AttrName)})"
            )
        if declared - groups:
            raise ValueError(f"attrs {sorted(declared - groups)} are not named groups")
        for ex in self.examples:
            if set(ex.attrs) - set(self.attrs):
                raise ValueError(
                    f"example attrs {sorted(set(ex.attrs) - set(self.attrs))} are not declared"
                )
        return self


class SignatureFile(FrozenModel):
    domain: str = Field(min_length=2)
    description: str = ""
    signatures: list[Signature] = Field(min_length=1)


# ---- loading with FILE:LINE errors ------------------------------------------------------------


def _node_at(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location (for its line number)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key or node
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "function-after[_compile(), str]") or "[" in str(part):
            continue  # pydantic's union / validator branch names say nothing to an author
        else:
            out += f".{part}" if out else str(part)
    return out


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it


def _line(path: Path, loc: tuple[Any, ...]) -> int:
    """The line of ``loc`` in ``path``: the YAML is composed again only to report an error."""
    tree = yaml.compose(path.read_text(), Loader=_Loader)
    return _node_at(tree, loc).start_mark.line + 1 if tree is not None else 1


def load_signature_file(path: Path) -> SignatureFile:
    try:
        raw = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path.name}{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name}:1: a signature file is a mapping with `signatures:`")
    try:
        return SignatureFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{path.name}:{_line(path, loc)}: {_format_loc(loc)}: {msg}") from None


def load_signatures(directory: Path | None = None) -> list[Signature]:
    """Every signature of every ``*.yaml`` in ``directory``, ids unique across files."""
    folder = directory or SIGNATURE_DIR
    out: list[Signature] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        for i, sig in enumerate(load_signature_file(path).signatures):
            if sig.id in seen:
                line = _line(path, ("signatures", i, "id"))
                raise ConfigError(
                    f"{path.name}:{line}: signatures[{i}].id: {sig.id!r} is already defined "
                    f"in {seen[sig.id]}"
                )
            seen[sig.id] = path.name
            out.append(sig)
    if not out:
        raise ConfigError(f"no signatures found in {folder}")
    return out
