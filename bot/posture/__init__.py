"""Posture audits on demand (``/aiops audit security|cost``): read-only checks over the
configured AWS, reported as findings. Nothing here writes."""
