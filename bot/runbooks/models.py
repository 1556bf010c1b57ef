"""What a runbook sync did: ``SyncResult`` (the terminal, the webhook and Slack all show it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    source: str  # the redacted URL and ref
    commit: str | None = None  # the commit fetched (None when git itself failed)
    live: str | None = None  # the commit live after the sync (the previous one on failure)
    changed: bool = False  # a new version went live
    runbooks: tuple[str, ...] = ()  # names in the live set
    errors: tuple[str, ...] = field(default_factory=tuple)  # FILE:LINE: key: reason

    def summary(self) -> str:
        short = (self.commit or "?")[:12]
        if self.ok:
            verb = "now live" if self.changed else "already live"
            names = ", ".join(self.runbooks) or "none"
            return f"runbooks {self.source} @ {short}: {verb} ({len(self.runbooks)}: {names})"
        kept = (self.live or "the shipped folder")[:12] if self.live else "the shipped folder"
        return f"runbook sync of {self.source} @ {short} failed; {kept} stays live:\n" + "\n".join(
            f"  {e}" for e in self.errors
        )

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok, "source": self.source, "commit": self.commit, "live": self.live,
            "changed": self.changed, "runbooks": list(self.runbooks), "errors": list(self.errors),
        }  # fmt: skip
