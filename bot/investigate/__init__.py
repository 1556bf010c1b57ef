"""Investigations: classify, plan from playbooks, run diagnostics in parallel, interpret.

Public entry points: ``investigate_query(ctx, query)`` and ``investigate_incident(ctx, view)``
(``bot.investigate.flows``), the context (``InvestigationContext``, ``Topology``) and the views
(``InvestigationTarget``, ``AlertView``).
"""

from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.flows import investigate_incident, investigate_query
from bot.investigate.models import InvestigationResult

__all__ = [
    "AlertView",
    "InvestigationTarget",
    "InvestigationContext",
    "InvestigationResult",
    "ServiceNode",
    "Topology",
    "investigate_incident",
    "investigate_query",
]
