"""Runbooks from git: a real repository (``git init`` + commits) synced through the git command
line into a cache; every file validated before the live set is swapped; a bad file reported as
``FILE:LINE: key: reason`` while the previous version stays live."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.remediate.runbooks_live import LIVE, LiveRunbooks
from bot.runbooks.ports import NullOps, OpsNotice, RecordingOps
from bot.runbooks.sync import RunbookSync
from tests.integration.runbooks.conftest import BAD, GOOD, RunbookRepo


def _sync(repo: RunbookRepo, tmp_path: Path, notice: OpsNotice | None = None) -> RunbookSync:
    return RunbookSync(
        url=str(repo.path), ref="main", cache=tmp_path / "cache", notice=notice or NullOps()
    )


def test_a_good_repository_goes_live_at_its_commit(repo: RunbookRepo, tmp_path: Path) -> None:
    repo.write("restart-web.yaml", GOOD)
    repo.write("README.md", "not a runbook")
    first = repo.commit("first runbook")
    sync = _sync(repo, tmp_path)
    result = sync.sync()
    assert result.ok and result.changed and result.commit == first
    live = LIVE.current()
    assert live.commit == first and set(live.books) == {"restart-web"}
    book = live.books["restart-web"]
    assert book.triggers is not None and book.triggers.kinds == ["memory_leak"]
    assert book.mode == "semi_auto" and book.approval_timeout_minutes == 15
    assert (tmp_path / "cache" / "live").read_text().strip() == first
    again = sync.sync()  # nothing new: nothing swapped
    assert again.ok and not again.changed and LIVE.current() is live


def test_a_bad_file_is_reported_with_file_line_key_and_the_previous_version_stays(
    repo: RunbookRepo, tmp_path: Path
) -> None:
    repo.write("restart-web.yaml", GOOD)
    good = repo.commit("good")
    ops = RecordingOps()
    sync = _sync(repo, tmp_path, notice=ops)
    assert sync.sync().ok
    repo.write("scale-web.yaml", BAD)
    repo.write("restart-web.yaml", GOOD.replace("mode: semi_auto", "mode: sometimes"))
    bad = repo.commit("two bad files")
    result = sync.sync()
    assert not result.ok and result.commit == bad and result.live == good
    mode, action = sorted(result.errors)
    assert mode == "restart-web.yaml:4: mode: Input should be 'manual', 'semi_auto' or 'auto'"
    assert action.startswith(
        "scale-web.yaml:8: steps[1].action: unknown action 'k8s.nuke_everything' (known actions: "
    )
    assert LIVE.current().commit == good and set(LIVE.current().books) == {"restart-web"}
    (notice,) = ops.notices
    assert "restart-web.yaml:4: mode:" in notice and "scale-web.yaml:8: steps[1].action" in notice
    assert good[:12] in notice and "stays live" in notice
    sync.sync()  # the same failure again is not reported twice
    assert len(ops.notices) == 1
    repo.write("restart-web.yaml", GOOD)
    repo.remove("scale-web.yaml")
    fixed = repo.commit("fix")
    assert sync.sync().ok and LIVE.current().commit == fixed


def test_a_trigger_naming_nothing_the_investigation_reports_is_refused(
    repo: RunbookRepo, tmp_path: Path
) -> None:
    repo.write("restart-web.yaml", GOOD.replace("signatures: [oom]", "signatures: [oom_kiled]"))
    repo.commit("typo")
    result = _sync(repo, tmp_path).sync()
    assert result.errors == (
        "restart-web.yaml:3: triggers.signatures[0]: unknown failure signature 'oom_kiled'",
    )


def test_the_ref_may_be_a_branch_a_tag_or_a_commit_and_a_folder(
    repo: RunbookRepo, tmp_path: Path
) -> None:
    repo.write("ops/runbooks/restart-web.yaml", GOOD)
    v1 = repo.commit("v1")
    repo.git("tag", "v1")
    repo.write("ops/runbooks/restart-web.yaml", GOOD.replace("Restart a", "Restart the"))
    v2 = repo.commit("v2")
    for ref, commit in (("v1", v1), (v1, v1), ("main", v2)):
        live = LiveRunbooks()
        sync = RunbookSync(url=str(repo.path), ref=ref, cache=tmp_path / "cache",
                           folder="ops/runbooks", live=live)  # fmt: skip
        assert sync.sync().ok, ref
        assert live.current().commit == commit
    missing = RunbookSync(url=str(repo.path), ref="no-such-branch", cache=tmp_path / "cache",
                          live=LiveRunbooks())  # fmt: skip
    result = missing.sync()
    assert not result.ok and "no-such-branch" in result.errors[0]


def test_an_unreachable_repository_keeps_the_live_set_and_a_restart_restores_the_cache(
    repo: RunbookRepo, tmp_path: Path
) -> None:
    repo.write("restart-web.yaml", GOOD)
    good = repo.commit("good")
    assert _sync(repo, tmp_path).sync().ok
    gone = tmp_path / "moved-away"
    repo.path.rename(gone)
    ops = RecordingOps()
    restarted = LiveRunbooks(bundled=dict)  # a new process: the shipped folder (empty here)
    sync = RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache", live=restarted,
                       notice=ops)  # fmt: skip
    result = sync.start()
    assert not result.ok and result.errors[0].startswith("git: ")
    assert restarted.current().commit == good  # the last good version, from the cache
    assert "failed" in ops.notices[0]


@pytest.mark.parametrize("url", ["https://user:s3cret@example.invalid/runbooks.git"])
def test_credentials_in_the_url_never_reach_a_message(url: str, tmp_path: Path) -> None:
    sync = RunbookSync(url=url, ref="main", cache=tmp_path / "cache", live=LiveRunbooks())
    result = sync.sync()
    assert not result.ok
    assert "s3cret" not in result.summary() and "s3cret" not in sync.source


def test_a_git_environment_inherited_from_a_hook_does_not_redirect_the_sync(
    repo: RunbookRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started from a git hook or a ``git bisect run``, the process carries GIT_DIR and
    GIT_WORK_TREE of another repository: the sync still reads the runbook repository, and the
    other repository is left as it was."""
    repo.write("restart-web.yaml", GOOD)
    first = repo.commit("first runbook")
    other = RunbookRepo(tmp_path / "other")
    other.write("unrelated.txt", "x")
    before = other.commit("the repository a hook runs in")
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.path))
    result = _sync(repo, tmp_path).sync()
    assert result.ok and result.commit == first
    assert set(LIVE.current().books) == {"restart-web"}
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_WORK_TREE")
    assert other.git("rev-parse", "HEAD") == before
    assert other.git("config", "--get", "core.bare") == "false"


def test_git_runs_in_the_environment_the_sync_is_given(repo: RunbookRepo, tmp_path: Path) -> None:
    """The sync passes its ``env`` to git (by default a copy of the process's, from
    ``bot.config``): where its PATH holds no git, git is not found, and the sync says so."""
    repo.write("restart-web.yaml", GOOD)
    repo.commit("first runbook")
    nowhere = {"PATH": str(tmp_path / "no-git-here")}
    sync = RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache", env=nowhere)
    result = sync.sync()
    assert not result.ok and "git is not installed" in result.errors[0]
    given = RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache")
    assert given.env.get("PATH") and given.sync().ok
