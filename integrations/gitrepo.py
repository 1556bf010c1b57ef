"""A git repository mirrored into a cache folder, through the ``git`` command line.

``mirror(url, cache)`` clones once (``--mirror``: every branch and tag, no work tree) and
fetches afterwards; ``resolve(cache, ref)`` turns a branch, tag or commit into a commit id;
``read_folder(cache, commit, path)`` returns the files of one folder at that commit, read with
``git ls-tree`` and one ``git cat-file --batch`` (nothing is checked out, so a half-written tree
never exists).

``git`` runs with no terminal and no prompt: credentials come from git's own configuration
(an SSH key, a credential helper), never from here. It runs in the environment the caller passes
(``env``: this module reads none), less the variables that would point it at another repository
(``clean_env``). Failures raise ``GitError`` with git's last line of output, and URLs in messages
have their credentials removed (``redact``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 120.0
_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


#: variables that tell git which repository, work tree or index to use (``git rev-parse
#: --local-env-vars``). A process started from a git hook or a ``git bisect run`` inherits them,
#: and git would then act on that repository instead of the one the call names.
REPOSITORY_VARS = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_DIR",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)


def clean_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without ``REPOSITORY_VARS``: git acts where it is told."""
    return {k: v for k, v in env.items() if k not in REPOSITORY_VARS}


class GitError(Exception):
    """git failed (not installed, no such repository, unknown ref, timeout)."""


@dataclass(frozen=True)
class RepoFile:
    name: str  # path relative to the folder read
    data: bytes


def redact(text: str) -> str:
    """``text`` with any ``user:password@`` of a URL removed."""
    return _CREDENTIALS.sub(r"\g<scheme>***@", text)


def _git(
    args: list[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    timeout: float = TIMEOUT_S,
    stdin: bytes = b"",
) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-c", "core.askPass=", "-c", "credential.interactive=false", *args],
            cwd=cwd, capture_output=True, input=stdin, timeout=timeout, start_new_session=True,
            check=False, env=clean_env(env),
        )  # fmt: skip
    except FileNotFoundError:
        raise GitError("git is not installed (the runbook sync runs the git command)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise GitError(redact(f"git {args[0]}: {last}"))
    return done.stdout


def mirror(url: str, cache: Path, *, env: Mapping[str, str], timeout: float = TIMEOUT_S) -> None:
    """Clone ``url`` into ``cache`` (first time) or fetch every ref into it."""
    if (cache / "HEAD").is_file():
        _git(["remote", "set-url", "origin", url], env=env, cwd=cache)
        _git(["fetch", "--prune", "--force", "origin"], env=env, cwd=cache, timeout=timeout)
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(cache.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial, ignore_errors=True)
    _git(["clone", "--mirror", "--quiet", "--", url, str(partial)], env=env, timeout=timeout)
    partial.rename(cache)


def resolve(cache: Path, ref: str, *, env: Mapping[str, str]) -> str:
    """The commit id ``ref`` (branch, tag, ``refs/…`` or a commit id) names in ``cache``."""
    if ref.startswith("-"):
        raise GitError(f"bad ref {ref!r}")
    try:
        out = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], env=env, cwd=cache)
    except GitError:
        raise GitError(f"ref {ref!r} is not a branch, tag or commit of the repository") from None
    commit = out.decode().strip()
    if not _COMMIT.match(commit):
        raise GitError(f"ref {ref!r} does not name a commit")
    return commit


def read_folder(
    cache: Path, commit: str, path: str = "", *, env: Mapping[str, str]
) -> list[RepoFile]:
    """The files directly inside ``path`` (the repository root when empty) at ``commit``."""
    if not _COMMIT.match(commit):
        raise GitError(f"{commit!r} is not a commit id")
    folder = path.strip("/")
    tree = f"{commit}:{folder}" if folder else f"{commit}^{{tree}}"
    try:
        listing = _git(["ls-tree", "-z", tree], env=env, cwd=cache)
    except GitError:
        raise GitError(f"folder {folder!r} does not exist at {commit[:12]}") from None
    blobs: list[tuple[str, str]] = []  # (name, blob id)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_name = entry.partition(b"\t")
        _mode, kind, blob = meta.decode().split()
        if kind == "blob":
            blobs.append((raw_name.decode(errors="replace"), blob))
    if not blobs:
        return []
    # every blob in one ``cat-file --batch``: "<id> blob <size>\n<data>\n" per blob, in order
    out = _git(
        ["cat-file", "--batch"],
        env=env,
        cwd=cache,
        stdin="".join(f"{b}\n" for _, b in blobs).encode(),
    )
    files: list[RepoFile] = []
    at = 0
    for name, _blob in blobs:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        start = header_end + 1
        files.append(RepoFile(name, out[start : start + size]))
        at = start + size + 1
    return files
