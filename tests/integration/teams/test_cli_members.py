"""``aiops member add U1 --role TEAM:ROLE`` and ``aiops member list``: teams beside approval
roles, from the database and teams.yaml, through the real terminal command."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli import run_aiops

TEAMS = """
teams:
  payments:
    members: {UPAYOWN1: owner}
    groups: {SPAYONCALL: operator}
"""


def _aiops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_aiops(*args, env={**env, "COLUMNS": "200"}, timeout=60)


def test_member_list_shows_teams_from_rows_and_the_file(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "teams.yaml").write_text(TEAMS)
    env = {"DATABASE_URL": sqlite_url, "AIOPS_TEAMS_FILE": str(tmp_path / "teams.yaml")}
    added = _aiops("member", "add", "UOPS00001", "--role", "search:operator", "--role",
                   "responder", env=env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = _aiops("member", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[1]: line for line in listed.stdout.splitlines() if "│ U" in line
             or "│ S" in line}  # fmt: skip
    assert "search: operator" in lines["UOPS00001"] and "responder" in lines["UOPS00001"]
    assert "payments: owner" in lines["UPAYOWN1"]
    assert "payments: operator" in lines["SPAYONCALL"]


def test_a_team_role_that_is_not_a_role_is_refused_in_one_line(sqlite_url: str) -> None:
    bad = _aiops("member", "add", "UOPS00001", "--role", "search:boss",
                 env={"DATABASE_URL": sqlite_url})  # fmt: skip
    assert bad.returncode == 2 and "TEAM:ROLE" in bad.stderr and "Traceback" not in bad.stderr
