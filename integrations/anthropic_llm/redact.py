"""Remove secrets from text before it leaves the process (LLM prompts, and anything else).

Each rule replaces only the secret part and says what it was (``[REDACTED:aws-access-key]``), so
the surrounding text still reads. The last rule catches long high-entropy tokens that no named
rule knows (generated API keys, base64 secrets) while leaving hex ids, UUIDs and git SHAs alone:
those are what an investigation needs to quote.

:func:`redact_personal` goes further for text built from what systems printed (facts, tool
outputs): e-mail addresses and IP addresses are not secrets, but they name people and hosts and
have no business in a prompt.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

_Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _tag(kind: str) -> str:
    return f"[REDACTED:{kind}]"


def _keep_prefix(kind: str) -> Callable[[re.Match[str]], str]:
    """Keep group 1 (the name / scheme), redact the rest of the match."""

    def repl(m: re.Match[str]) -> str:
        return m.group(1) + _tag(kind)

    return repl


def _secret_value(m: re.Match[str]) -> str:
    """``name=value`` / ``"name": "value"``: keep the name and the quotes, drop the value."""
    value = m.group(0)[len(m.group(1)) :]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{m.group(1)}{quote}{_tag('secret')}{quote}"


_SECRET_NAMES = (
    r"password|passwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|credentials?"
)

_RULES: tuple[_Rule, ...] = (
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----|-----BEGIN [A-Z0-9 ]+-----[\s\S]*\Z",
            re.DOTALL,
        ),
        _tag("pem-block"),
    ),
    (
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
        _tag("aws-access-key"),
    ),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}|\bxapp-[A-Za-z0-9-]{8,}"), _tag("slack-token")),
    (
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
        _tag("github-token"),
    ),
    (re.compile(r"\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}"), _tag("api-key")),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), _tag("jwt")),
    (
        re.compile(
            r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|token)\s+|\bbearer\s+)"
            r"(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,}"
        ),
        _keep_prefix("credential"),
    ),
    (
        re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(?=@)"),
        _keep_prefix("password"),
    ),
    (
        re.compile(
            rf"(?i)(\b[\w.-]*(?:{_SECRET_NAMES})[\"']?\s*[=:]\s*)"
            r"(?:\"(?:[^\"\\]|\\.)*\"|'[^']*'|(?!\[REDACTED)[^\s\"',;&}]+)"
        ),
        _secret_value,
    ),
)

_CANDIDATE = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_=-]{24,}(?![\w+/=-])")
_MIN_ENTROPY = 3.8


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _looks_random(token: str) -> bool:
    core = token.strip("=")
    has_upper = any(c.isupper() for c in core)
    has_lower = any(c.islower() for c in core)
    has_digit = any(c.isdigit() for c in core)
    return has_upper and has_lower and has_digit and shannon_entropy(core) >= _MIN_ENTROPY


def _entropy_repl(m: re.Match[str]) -> str:
    token = m.group(0)
    return _tag("high-entropy") if _looks_random(token) else token


def redact(text: str) -> str:
    """``text`` with secrets replaced by ``[REDACTED:<kind>]`` markers."""
    if not text:
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return _CANDIDATE.sub(_entropy_repl, text)


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_HEX = r"[0-9A-Fa-f]{1,4}"
_PERSONAL: tuple[_Rule, ...] = (
    (
        re.compile(
            r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
        ),
        _tag("email"),
    ),
    (re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w.]*\d)"), _tag("ip")),
    (
        re.compile(
            rf"(?<![\w:])(?:(?:{_HEX}:){{4,7}}{_HEX}|(?:{_HEX}:){{1,6}}:(?:{_HEX}(?::{_HEX})*)?"
            rf"|::(?:{_HEX}:)*{_HEX})(?![\w:])"
        ),
        _tag("ip"),
    ),
)


def redact_personal(text: str) -> str:
    """:func:`redact`, then e-mail and IP (v4 and v6) addresses replaced by markers."""
    text = redact(text)
    if not text:
        return text
    for pattern, repl in _PERSONAL:
        text = pattern.sub(repl, text)
    return text
