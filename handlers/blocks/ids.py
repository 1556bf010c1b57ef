"""Every ``action_id`` / ``callback_id`` / ``block_id`` the app uses, and the typed JSON that
buttons carry in ``value`` and modals carry in ``private_metadata``.

Block builders write these; handlers match on them. A value that does not parse is a forged or
stale button and becomes a :class:`bot.errors.UserError`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import UserError


class ActionId(StrEnum):
    ACKNOWLEDGE = "incident_acknowledge"
    INVESTIGATE = "incident_investigate"
    RESOLVE = "incident_resolve"
    APPROVE = "remediation_approve"
    REJECT = "remediation_reject"
    FEEDBACK_UP = "feedback_up"
    FEEDBACK_DOWN = "feedback_down"
    FEEDBACK_FIXED = "feedback_fixed"
    FEEDBACK_RATE = "feedback_rate"  # a 1–5 select beside the feedback buttons
    HYPOTHESIS_JUDGE = "hypothesis_judge"  # the overflow on one hypothesis: right / wrong cause
    ACTION_JUDGE = "action_judge"  # the overflow on one recommended action: right / wrong fix
    PROPOSE_FIX = "audit_propose_fix"  # an audit finding's fix, under the audit summary


class CallbackId(StrEnum):
    RESOLVE_MODAL = "incident_resolve_modal"


class BlockId(StrEnum):
    INCIDENT_ACTIONS = "incident_actions"
    FEEDBACK = "feedback"
    RESOLVE_NOTE = "resolve_note"
    RESOLVE_FIX = "resolve_fix"
    RESOLVE_FIX_TEXT = "resolve_fix_text"
    # per remediation action: f"{BlockId.APPROVAL_PREFIX}{request_id}"
    APPROVAL_PREFIX = "approval:"
    # per audit finding's fix under a summary: f"{BlockId.FIX_PREFIX}{n}"
    FIX_PREFIX = "fix:"


class InputId(StrEnum):
    RESOLVE_NOTE = "resolve_note_input"
    RESOLVE_FIX = "resolve_fix_input"
    RESOLVE_FIX_TEXT = "resolve_fix_text_input"


FeedbackKind = Literal["up", "down", "fixed"]

FEEDBACK_KIND: dict[ActionId, FeedbackKind] = {
    ActionId.FEEDBACK_UP: "up",
    ActionId.FEEDBACK_DOWN: "down",
    ActionId.FEEDBACK_FIXED: "fixed",
}


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)


class IncidentRef(_Value):
    """Value of acknowledge / investigate / resolve buttons."""

    incident_id: int = Field(gt=0)


class RequestRef(_Value):
    """Value of approve / reject buttons: one remediation request."""

    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class FeedbackRef(_Value):
    """Value of the feedback buttons under an investigation summary."""

    incident_id: int | None = Field(default=None, gt=0)
    investigation_id: str | None = Field(default=None, max_length=64)


class RatingRef(_Value):
    """Value of one option of the 1–5 rating select under an investigation summary."""

    incident_id: int | None = Field(default=None, gt=0)
    investigation_id: str | None = Field(default=None, max_length=64)
    rating: int = Field(ge=1, le=5)


class JudgeRef(_Value):
    """Value of one option of a hypothesis' or an action's overflow: this cause (by kind) or
    this fix (by action name) is right, or wrong."""

    incident_id: int | None = Field(default=None, gt=0)
    investigation_id: str | None = Field(default=None, max_length=64)
    about: Literal["hypothesis", "action"] = "hypothesis"
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    right: bool


_WORD = r"^[A-Za-z0-9_.:/*@+=,-]+$"


class FixRef(_Value):
    """Value of an audit finding's "Propose fix" button: the action, its parameters and the
    finding's account and region. Only a reference: ``bot.posture.fixes.propose_fix`` checks
    it against the audits' actions, the registry, the accounts file and the target's state."""

    action: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$")
    params: dict[str, str] = Field(default_factory=dict, max_length=8)
    account: str | None = Field(default=None, max_length=64, pattern=_WORD)
    region: str | None = Field(default=None, max_length=32, pattern=_WORD)

    @field_validator("params")
    @classmethod
    def _words(cls, params: dict[str, str]) -> dict[str, str]:
        for key, value in params.items():
            if not re.fullmatch(r"[a-z_]{1,32}", key) or len(value) > 256:
                raise ValueError(f"bad parameter {key!r}")
        return params


class ResolveMetadata(_Value):
    """``private_metadata`` of the resolve modal: where the click came from."""

    incident_id: int = Field(gt=0)
    channel_id: str | None = None
    message_ts: str | None = None


V = TypeVar("V", bound=_Value)


def parse_value(model: type[V], raw: str | None) -> V:
    """Parse a button value / private_metadata; a bad one is the user's (stale) button."""
    try:
        return model.model_validate_json(raw or "")
    except ValidationError:
        raise UserError(
            "This button is out of date or malformed.", hint="run the command again"
        ) from None
