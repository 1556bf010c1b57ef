"""Replaying a scenario's changes and alerts through the real webhooks, on the sandbox clock."""
