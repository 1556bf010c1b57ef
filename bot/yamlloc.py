"""``FILE:LINE: key`` for a location in a YAML document: the line comes from the node tree
(``yaml.compose``), the key from a pydantic error location (``("steps", 1, "action")`` reads
``steps[1].action``). Used wherever validated YAML reports what is wrong and where."""

from __future__ import annotations

from typing import Any

import yaml


def format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class YamlLocator:
    """``locator(loc)`` → ``"name.yaml:12: steps[1].action"``; ``line(loc)`` the line alone
    (the deepest node of ``loc`` that exists, else the line of its nearest parent)."""

    def __init__(self, name: str, root: yaml.Node | None) -> None:
        self.name, self.root = name, root

    @classmethod
    def of_text(cls, name: str, text: str) -> YamlLocator:
        """A locator over ``text`` (one without a tree when the text does not compose)."""
        try:
            return cls(name, yaml.compose(text))
        except yaml.YAMLError:
            return cls(name, None)

    def line(self, loc: tuple[Any, ...]) -> int:
        node, line = self.root, 1 if self.root is None else self.root.start_mark.line + 1
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                hit = next(((k, v) for k, v in node.value if k.value == str(part)), None)
                if hit is None:
                    break
                line, node = hit[0].start_mark.line + 1, hit[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def __call__(self, loc: tuple[Any, ...]) -> str:
        key = format_loc(loc)
        return f"{self.name}:{self.line(loc)}: {key}" if key else f"{self.name}:{self.line(loc)}"


def yaml_error_line(exc: yaml.YAMLError) -> int:
    """The 1-based line a YAML syntax error points at (1 when it names none)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 1
