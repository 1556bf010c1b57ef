"""Masking of variable parts of a log line before template mining.

Drain groups lines by their constant tokens, so everything that varies between two occurrences
of the same event (ids, addresses, numbers, times, paths) is replaced by ``<*>`` first. The
masks are general on purpose: nothing here knows a particular system's log format.

All alternatives are compiled into ONE regular expression and substituted in a single C-level
``re.sub`` pass (no Python callback per match), which keeps masking at a few microseconds per
line. A second cheap pass folds a token that became placeholders and punctuation only
(``<*>:<*>``, ``[<*>]``, ``(<*>)``) into a single ``<*>``. Runs of placeholder tokens are NOT
collapsed: that would make the token count depend on whether neighbouring values happen to be
empty, and Drain compares lines of equal length only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PARAM = "<*>"

_HEX = r"[0-9a-fA-F]"
_K8S = r"[b-df-hj-np-tv-z2456789]"  # the alphabet Kubernetes uses for generated name suffixes
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _rest_of(words: tuple[str, ...]) -> str:
    """Match the rest of one of ``words`` whose first letter was just consumed."""
    return "(?:" + "|".join(f"(?<={w[0]}){w[1:]}" for w in words) + ")[a-z]*"


_MONTH = "(?:" + "|".join(_MONTHS) + ")[a-z]*"

# Masks that start at the beginning of a word. Each pattern is matched AFTER the word's first
# character was consumed (so it starts by checking that character with a look-behind). Order
# matters: at one position the first mask that matches wins.
WORD_START_MASKS: tuple[tuple[str, str], ...] = (
    ("k8s_suffix", rf"(?<=-.)(?<={_K8S}){_K8S}{{5,9}}-{_K8S}{{5}}\b"),
    ("url", r"(?<=[a-zA-Z])[a-zA-Z0-9+.-]*://[^\s\"'<>()\[\]{}]+"),
    ("email", r"[\w.+-]*@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b"),
    (
        "timestamp",
        r"(?<=\d)\d{3}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2})?\b",
    ),
    (
        "syslog_time",
        rf"(?:{_rest_of(_DAYS)},? +{_MONTH}|{_rest_of(_MONTHS)})"
        r" +\d{1,2},? +\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?: +\d{4})?\b",
    ),
    ("clock", r"(?<=\d)\d?:\d{2}:\d{2}(?:[.,]\d+)?\b"),
    (
        "uuid",
        rf"(?<={_HEX}){_HEX}{{7}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b",
    ),
    ("mac", rf"(?<={_HEX}){_HEX}(?::{_HEX}{{2}}){{5}}\b"),
    ("ipv6", rf"(?<={_HEX}){_HEX}{{0,3}}:(?:{_HEX}{{0,4}}:){{1,6}}{_HEX}{{1,4}}(?![\w:])"),
    ("ipv4", r"(?<!\..)(?<=\d)\d{0,2}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])"),
    ("hex0x", rf"(?<=0)[xX]{_HEX}+\b"),
    (
        "hex_id",
        r"(?:(?<=[a-fA-F])(?=[0-9a-fA-F]*\d)|(?<=\d)(?=[0-9a-fA-F]*[a-fA-F]))"
        r"[0-9a-fA-F]{7,}\b",
    ),
    # a.b.example.org, 24-54-76-216.isp.net: three labels or more, the last 2-6 lower-case
    # letters (possessive, so org.apache.hadoop.mapred.Task, a class, is never cut to a host)
    (
        "hostname",
        r"[A-Za-z0-9-]*+(?:\.[A-Za-z0-9-]++){2,}+"
        r"(?:(?<=\.[a-z]{2})|(?<=\.[a-z]{3})|(?<=\.[a-z]{4})|(?<=\.[a-z]{5})"
        r"|(?<=\.[a-z]{6}))",
    ),
    ("windows_path", r"(?<=[A-Za-z]):\\[^\s\"'<>|]+"),
    (
        "duration",
        r"(?<!\..)(?<=\d)\d*(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d)\b",
    ),
    ("size", r"(?<!\..)(?<=\d)\d*(?:\.\d+)?(?:[kKMGTP]i?[bB]|[bB])\b"),
)

# Masks that may start anywhere; each begins with a character class (see Masker).
ANYWHERE_MASKS: tuple[tuple[str, str], ...] = (
    ("ipv6_colon", rf":(?<![\w:].):(?:{_HEX}{{1,4}}:){{0,6}}{_HEX}{{1,4}}(?![\w:])"),
    ("unix_path", r"/(?<![\w./:<].)[\w.@%+~-]*[\w@%+~-](?:/[\w.@%+~-]*[\w@%+~-])+/?"),
    # every digit run, also inside a word (u12 -> u<*>, sda1 -> sda<*>); a sign only before a
    # digit that does not follow a letter or digit (blk_-42 -> blk_<*>, but 24-54 -> <*>-<*>)
    (
        "number",
        r"[-+0-9](?<![0-9].)(?:(?<=[-+])(?<![A-Za-z0-9].)\d+|(?<=\d)\d*)(?:[.,]\d+)*",
    ),
)


def build_regex(
    word_start: Iterable[tuple[str, str]], anywhere: Iterable[tuple[str, str]]
) -> re.Pattern[str]:
    """Compile the masks into one regex whose top-level alternatives all begin with a class.

    ``re`` skips a top-level alternative with one table lookup when it begins with a character
    class, and the word-start masks share one look-behind: that is what lets a single pass over
    ~20 masks run at C speed instead of trying every mask at every position.
    """
    parts = []
    word = [pattern for _, pattern in word_start]
    if word:
        parts.append(r"\w(?<!\w.)(?:" + "|".join(word) + ")")
    parts.extend(f"(?:{pattern})" for _, pattern in anywhere)
    return re.compile("|".join(parts))


_FOLD_TOKEN = re.compile(r"(?<!\S)[^\sA-Za-z0-9]*<\*>(?:[^\sA-Za-z0-9]*<\*>)*[^\sA-Za-z0-9]*(?!\S)")


class Masker:
    """Replace variable parts of log text with ``<*>``.

    ``word_start`` and ``anywhere`` are sequences of ``(name, regex)`` pairs (see the module
    constants for their conventions); the names are documentation. Call the instance (or
    :meth:`mask`) on a line of text.
    """

    def __init__(
        self,
        word_start: Iterable[tuple[str, str]] = WORD_START_MASKS,
        anywhere: Iterable[tuple[str, str]] = ANYWHERE_MASKS,
    ) -> None:
        self.word_start = tuple(word_start)
        self.anywhere = tuple(anywhere)
        self._regex = build_regex(self.word_start, self.anywhere)

    def mask(self, text: str) -> str:
        masked = self._regex.sub(PARAM, text)
        if PARAM in masked:
            masked = _FOLD_TOKEN.sub(PARAM, masked)
        return masked

    __call__ = mask


_DEFAULT = Masker()


def mask(text: str) -> str:
    """Mask ``text`` with the default masks."""
    return _DEFAULT.mask(text)
