"""Telling people: the publisher port that flows call (Slack implements it)."""
