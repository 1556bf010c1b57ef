"""Incidents: data access (service), lifecycle and grouping orchestration (flows)."""
