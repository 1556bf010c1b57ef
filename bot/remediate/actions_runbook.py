"""Remediation actions (actions_runbook): registered on import."""

from __future__ import annotations
