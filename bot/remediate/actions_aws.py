"""Remediation actions (actions_aws): registered on import."""

from __future__ import annotations
