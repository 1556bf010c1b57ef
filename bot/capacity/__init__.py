"""Capacity planning: watched resources (config + discovery), 48 h and 30 d forecasts, breach
ETAs at 80/90/100 %, and the digest model (critical within 7 days, warning within 30)."""
