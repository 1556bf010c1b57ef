"""Time series: forecasting, breach times, online anomaly detection, change points (shared by
investigations and remediation checks) and the capacity chart."""
