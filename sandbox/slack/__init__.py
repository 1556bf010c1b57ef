"""A local Slack (Web API + Socket Mode) for tests and the terminal demo. See ``server.py``."""

from sandbox.slack.records import (
    AckRecord,
    Ephemeral,
    Message,
    ResponseUrlPost,
    UploadedFile,
    View,
    flatten_text,
)
from sandbox.slack.server import LocalSlack

__all__ = [
    "AckRecord",
    "Ephemeral",
    "LocalSlack",
    "Message",
    "ResponseUrlPost",
    "UploadedFile",
    "View",
    "flatten_text",
]
