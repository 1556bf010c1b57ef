"""Scenario-driven remediation glue: an ``ActionContext`` on the world's clients, and the
replay enricher that approves, runs and verifies each incident's first recommended action."""
