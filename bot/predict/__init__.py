"""Prediction: anomalies on live series become predictive alerts through the normal ingest
path (source "aiops", marked as predictions), and alert-escalation learning from history."""
