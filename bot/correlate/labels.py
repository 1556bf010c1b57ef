"""What an alert's labels say about where it comes from: identity tokens and environment."""

from __future__ import annotations

from collections.abc import Mapping

from bot.correlate.models import ENV_KEYS, IDENTITY_FAMILIES

Token = tuple[str, str]


def identity_tokens(labels: Mapping[str, str]) -> set[Token]:
    """``(family, value)`` pairs of an alert's identity labels, normalised (lower, no port)."""
    out: set[Token] = set()
    for key, value in labels.items():
        family = IDENTITY_FAMILIES.get(str(key).lower())
        if family is None or not value:
            continue
        text = str(value).strip().lower()
        if "://" not in text and text.count(":") == 1:
            text = text.split(":", 1)[0]
        if text:
            out.add((family, text))
    return out


def env_of(labels: Mapping[str, str]) -> str | None:
    for key in ENV_KEYS:
        value = labels.get(key)
        if value:
            return str(value).lower()
    return None
