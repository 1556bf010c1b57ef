"""Compliance as code: rules over the inventory, a score, the failing resources, a trend."""
