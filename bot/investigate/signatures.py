"""Match what systems print against the failure-signature catalogue.

``match_line`` (a log line), ``match_source`` (a log source's name), ``match_event`` (a
Kubernetes event's reason and message), ``match_waiting`` (a container's waiting reason) and
``match_exit`` (a container's exit code and termination reason) each return the best
``SignatureMatch`` or ``None``: the highest ``priority``, then the entry with more constraints
(reason, message, exit code), then catalogue order. The catalogue itself is data:
``playbooks/signatures/*.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.investigate.signature_kinds import CauseKind, family
from bot.investigate.signature_schema import Signature, load_signatures

AttrValue = str | float | int | bool | None


@dataclass(frozen=True)
class SignatureMatch:
    """One catalogue entry that matched, with the attributes its named groups extracted."""

    id: str
    kind: CauseKind
    attrs: dict[str, str] = field(default_factory=dict)
    explain: str = ""
    doc: str = ""
    priority: int = 0  # the entry's: of two matches of one thing, the higher says more

    @property
    def signature(self) -> str:
        """The coarse family playbooks match on (``pool_exhausted``, ``image_pull``…)."""
        return family(self.kind)

    def finding_attrs(self) -> dict[str, AttrValue]:
        """What a finding carries: the family, the entry id, the cause kind, the extracts."""
        return {
            "signature": self.signature,
            "signature_id": self.id,
            "cause_kind": self.kind.value,
            **self.attrs,
        }


@dataclass(frozen=True)
class _Compiled:
    sig: Signature
    order: int
    main: re.Pattern[str] | None
    message: re.Pattern[str] | None
    codes: frozenset[int] | None

    @property
    def rank(self) -> tuple[int, int, int]:
        """Priority first, then the entry with more constraints (reason + message + code)."""
        specific = sum(x is not None for x in (self.main, self.message, self.codes))
        return (-self.sig.priority, -specific, self.order)


def _groups(*found: re.Match[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in found:
        if m is not None:
            out.update({k: v for k, v in m.groupdict().items() if v is not None})
    return out


class Catalogue:
    """The compiled catalogue, grouped by where each entry looks."""

    def __init__(self, signatures: list[Signature]) -> None:
        self.signatures = signatures
        self._by_domain: dict[str, list[_Compiled]] = {}
        for order, sig in enumerate(signatures):
            m = sig.match
            whole = m.event_reason or m.waiting_reason or m.exit_reason
            main: re.Pattern[str] | None
            if m.line is not None or m.source is not None:
                main = re.compile(m.line or m.source or "", re.I)
            else:
                main = re.compile(rf"(?:{whole})\Z") if whole is not None else None
            compiled = _Compiled(
                sig,
                order,
                main,
                re.compile(m.message, re.I) if m.message is not None else None,
                frozenset(m.exit_code) if m.exit_code is not None else None,
            )
            self._by_domain.setdefault(m.domain, []).append(compiled)
        for entries in self._by_domain.values():
            entries.sort(key=lambda c: c.rank)

    def _result(self, c: _Compiled, *found: re.Match[str] | None) -> SignatureMatch:
        return SignatureMatch(
            c.sig.id, c.sig.kind, _groups(*found), c.sig.explain, c.sig.source, c.sig.priority
        )

    def _searched(self, domain: str, text: str) -> SignatureMatch | None:
        for c in self._by_domain.get(domain, []):
            found = c.main.search(text) if c.main is not None else None
            if found:
                return self._result(c, found)
        return None

    def match_line(self, text: str) -> SignatureMatch | None:
        return self._searched("line", text)

    def match_source(self, source: str) -> SignatureMatch | None:
        return self._searched("source", source)

    def _reasoned(self, domain: str, reason: str, message: str) -> SignatureMatch | None:
        for c in self._by_domain.get(domain, []):
            head = c.main.match(reason) if c.main is not None else None
            if head is None:
                continue
            body = c.message.search(message) if c.message is not None else None
            if c.message is not None and body is None:
                continue
            return self._result(c, head, body)
        return None

    def match_event(self, reason: str, message: str = "") -> SignatureMatch | None:
        return self._reasoned("event", reason, message or "")

    def match_waiting(self, reason: str, message: str | None = None) -> SignatureMatch | None:
        return self._reasoned("waiting", reason, message or "")

    def match_exit(
        self, code: int | None, reason: str | None = None, message: str | None = None
    ) -> SignatureMatch | None:
        for c in self._by_domain.get("exit", []):
            if c.codes is not None and code not in c.codes:
                continue
            head = None
            if c.main is not None:
                head = c.main.match(reason or "")
                if head is None:
                    continue
            body = c.message.search(message or "") if c.message is not None else None
            if c.message is not None and body is None:
                continue
            return self._result(c, head, body)
        return None


@lru_cache(maxsize=4)
def load_catalogue(directory: Path | None = None) -> Catalogue:
    return Catalogue(load_signatures(directory))


@lru_cache(maxsize=8192)
def match_line(text: str) -> SignatureMatch | None:
    """The signature a log line carries, or None (cached: mined templates repeat across steps
    and incidents; treat the result as read-only)."""
    return load_catalogue().match_line(text)


def match_source(source: str) -> SignatureMatch | None:
    """A signature every line of a source carries by what the source is (a slow-query log)."""
    return load_catalogue().match_source(source)


def match_event(reason: str, message: str = "") -> SignatureMatch | None:
    return load_catalogue().match_event(reason, message)


def match_waiting(reason: str, message: str | None = None) -> SignatureMatch | None:
    return load_catalogue().match_waiting(reason, message)


def match_exit(
    code: int | None, reason: str | None = None, message: str | None = None
) -> SignatureMatch | None:
    return load_catalogue().match_exit(code, reason, message)
