"""Runbooks from git: sync a repository into the live runbook set, offer matching runbooks."""
