"""``FILE:LINE: key`` for a location in a YAML document: the line comes from the node tree
(``yaml.compose``), the key from a pydantic error location (``("steps", 1, "action")`` reads
``steps[1].action``). Used wherever validated YAML reports what is wrong and where."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it


def format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class YamlLocator:
    """``locator(loc)`` → ``"name.yaml:12: steps[1].action"``; ``line(loc)`` the line alone
    (the deepest node of ``loc`` that exists, else the line of its nearest parent)."""

    def __init__(self, name: str, root: yaml.Node | None) -> None:
        self.name, self._root = name, root
        self._text: str | None = None  # composed on first use (``of_text``)

    @classmethod
    def of_text(cls, name: str, text: str) -> YamlLocator:
        """A locator over ``text``, composed only when a line is asked for (errors are rare;
        composing every good file again would double the load time)."""
        locator = cls(name, None)
        locator._text = text
        return locator

    @property
    def root(self) -> yaml.Node | None:
        if self._text is not None:
            text, self._text = self._text, None
            try:
                self._root = yaml.compose(text, Loader=_LOADER)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def line(self, loc: tuple[Any, ...]) -> int:
        root = self.root
        node, line = root, 1 if root is None else root.start_mark.line + 1
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


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when it is built in (several times faster).

    A document libyaml refuses is read again by the pure-Python loader, whose error says where
    the fault is (libyaml can point a line past an unclosed bracket): errors are rare, and every
    loader reports them the same way."""
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        if _LOADER is yaml.SafeLoader:
            raise
        return yaml.safe_load(text)


def yaml_error_line(exc: yaml.YAMLError) -> int:
    """The 1-based line a YAML syntax error points at (1 when it names none)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else 1
