"""Replaying a scenario's changes and alerts through the real webhooks, on the sandbox clock.

``runner`` drives the HTTP app (served by ``server`` in a background thread); the payloads it
sends come from ``sandbox.replay``."""
