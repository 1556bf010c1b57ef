"""Remediation actions (actions_k8s): registered on import."""

from __future__ import annotations
