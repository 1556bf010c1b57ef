"""Log error-pattern mining: mask variable parts, group lines into templates with Drain."""

from bot.logmine.masking import ANYWHERE_MASKS, PARAM, WORD_START_MASKS, Masker, mask
from bot.logmine.miner import TemplateMiner, mine_templates
from bot.logmine.models import LogLine, LogLineLike, Template

__all__ = [
    "ANYWHERE_MASKS",
    "WORD_START_MASKS",
    "PARAM",
    "LogLine",
    "LogLineLike",
    "Masker",
    "Template",
    "TemplateMiner",
    "mask",
    "mine_templates",
]
