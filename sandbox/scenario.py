"""Load and check a scenario file: ``load_scenario(path) -> LoadedScenario``.

Every problem is reported as ``FILE:LINE: dotted.path[1].key: reason``. Line numbers come from
composing the YAML with PyYAML's node API and walking pydantic's error ``loc`` down the node
tree. ``truth`` is split off before anything else sees the scenario: ``LoadedScenario.scenario``
is what the bot's code gets, ``LoadedScenario.truth`` is for evaluation only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from bot.errors import UserError
from sandbox.scenario_checks import semantic_issues
from sandbox.scenario_models import Scenario

if TYPE_CHECKING:
    from sandbox.truth import Truth

Loc = tuple[str | int, ...]
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ScenarioIssue:
    file: str
    line: int
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.reason}"


class ScenarioError(UserError):
    """A scenario file is not valid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[ScenarioIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class LoadedScenario:
    path: Path
    scenario: Scenario
    truth: Truth | None = field(default=None, repr=False)


def format_loc(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _child(node: yaml.Node, part: str | int, *, want_key: bool) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return key if want_key else value
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part]
    return None


def line_of(root: yaml.Node | None, loc: Loc, *, key: bool = False) -> int:
    """1-based line of the deepest node of ``loc`` present in the tree (the key node if asked)."""
    if root is None:
        return 1
    node = root
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        child = _child(node, part, want_key=key and last)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind in {"literal_error", "enum"}:
        message += f", got {error.get('input')!r}"
    return message


def _duplicate_keys(node: yaml.Node, path: Loc = ()) -> list[tuple[Loc, int]]:
    found: list[tuple[Loc, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            if name in seen:
                found.append(((*path, name), key.start_mark.line + 1))
            seen.add(name)
            found.extend(_duplicate_keys(value, (*path, name)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found.extend(_duplicate_keys(item, (*path, i)))
    return found


def _validation_issues(
    file: str, root: yaml.Node, exc: ValidationError, prefix: Loc = ()
) -> list[ScenarioIssue]:
    issues = []
    for error in exc.errors():
        loc = (*prefix, *error["loc"])
        line = line_of(root, loc, key=error["type"] == "extra_forbidden")
        issues.append(ScenarioIssue(file, line, format_loc(loc), _reason(error)))
    return issues


def parse_scenario_text(text: str, file: str = "<scenario>") -> LoadedScenario:
    """Validate scenario YAML text; raises :class:`ScenarioError` listing every problem."""
    from sandbox.truth import Truth

    try:
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = f"YAML syntax error: {exc.problem or exc.context or exc}"
        raise ScenarioError([ScenarioIssue(file, line, "", reason)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([ScenarioIssue(file, 1, "", f"YAML error: {exc}")]) from None
    if root is None or not isinstance(data, dict):
        raise ScenarioError([ScenarioIssue(file, 1, "", "a scenario must be a YAML mapping")])

    issues = [
        ScenarioIssue(file, line, format_loc(loc), "duplicate key")
        for loc, line in _duplicate_keys(root)
    ]
    raw_truth = data.pop("truth", None)
    scenario: Scenario | None = None
    truth: Truth | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues.extend(_validation_issues(file, root, exc))
    if raw_truth is not None:
        try:
            truth = Truth.model_validate(raw_truth)
        except ValidationError as exc:
            issues.extend(_validation_issues(file, root, exc, prefix=("truth",)))
    if scenario is not None:
        for loc, reason in semantic_issues(scenario, truth):
            issues.append(ScenarioIssue(file, line_of(root, loc), format_loc(loc), reason))
    if issues:
        raise ScenarioError(sorted(issues, key=lambda issue: issue.line))
    assert scenario is not None
    return LoadedScenario(path=Path(file), scenario=scenario, truth=truth)


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and validate one scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([ScenarioIssue(str(path), 0, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([ScenarioIssue(str(path), 0, "", f"cannot read: {exc}")]) from None
    loaded = parse_scenario_text(text, str(path))
    return LoadedScenario(path=path, scenario=loaded.scenario, truth=loaded.truth)
