"""Forecasting, breach times, online anomaly detection and the capacity chart."""
