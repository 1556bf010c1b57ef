"""Remediation: typed actions, policy and approvals, execute once, verify, undo, audit."""
