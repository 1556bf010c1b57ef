"""Scenario-driven investigation glue: the world's clients as an ``InvestigationContext``, the
scenario's alerts as an ``IncidentView``, evidence read straight from a scenario file, and the
replay enricher that investigates each replayed incident."""
