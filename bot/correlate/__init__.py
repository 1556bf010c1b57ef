"""Pure alert grouping: strategies, group keys and the root-cause alert (no I/O)."""

from bot.correlate.elect import StormVerdict
from bot.correlate.engine import Correlator
from bot.correlate.labels import identity_tokens
from bot.correlate.models import AlertFacts, CorrelationConfig, GroupView, Placement
from bot.correlate.root import Member, choose_root

__all__ = [
    "AlertFacts",
    "CorrelationConfig",
    "Correlator",
    "GroupView",
    "Member",
    "Placement",
    "StormVerdict",
    "choose_root",
    "identity_tokens",
]
