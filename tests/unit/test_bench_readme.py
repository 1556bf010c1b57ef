"""Docs move with code: tests/bench/README.md has a row for every benchmark script, naming each
flag the script reads (argparse options, or the ``--flag`` words a script looks for in argv)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

BENCH = ROOT / "tests" / "bench"
FLAG = re.compile(r"--[a-z][a-z0-9-]*")


def _flags(script: Path) -> set[str]:
    tree = ast.parse(script.read_text())
    calls = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "add_argument"
    ]  # fmt: skip
    if calls:  # argparse: its long options, except those hidden from --help
        return {
            str(a.value) for c in calls
            if not any(ast.unparse(k.value) == "argparse.SUPPRESS" for k in c.keywords)
            for a in c.args if isinstance(a, ast.Constant) and FLAG.fullmatch(str(a.value))
        }  # fmt: skip
    words = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    return {w for w in words if isinstance(w, str) and FLAG.fullmatch(w)}  # argv read by hand


def _rows() -> dict[str, str]:
    rows = {}
    for line in (BENCH / "README.md").read_text().splitlines():
        if m := re.match(r"^\| `(bench_\w+\.py)` \|", line):
            rows[m[1]] = line
    return rows


def test_every_bench_script_has_a_row_with_its_flags() -> None:
    rows = _rows()
    problems = []
    for script in sorted(BENCH.glob("bench_*.py")):
        row = rows.get(script.name)
        if row is None:
            problems.append(f"{script.name}: no row")
            continue
        problems += [f"{script.name}: {f}" for f in sorted(_flags(script)) if f not in row]
    assert not problems, f"add to tests/bench/README.md's table: {problems}"


def test_no_row_for_a_script_that_is_gone() -> None:
    gone = [name for name in _rows() if not (BENCH / name).is_file()]
    assert not gone, gone


def test_flags_are_read_both_ways() -> None:
    # argparse (a hidden option left out) and argv read by hand
    assert "--plain-moto" in _flags(BENCH / "bench_audit_scale.py")
    assert "--serve" not in _flags(BENCH / "bench_audit_scale.py")
    assert {"--corpus", "--heldout"} <= _flags(BENCH / "bench_questions.py")
