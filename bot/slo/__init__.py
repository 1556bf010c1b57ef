"""SLOs and SLAs: ``slo.yaml`` definitions, error budgets and multi-window multi-burn-rate
alerts (SRE workbook ch. 5), live incident SLA clocks (MTTA/MTTR per severity/team) and the
monthly compliance report."""
