"""Lambda functions given more memory than they use: the peak ``Max Memory Used`` of the
``REPORT`` lines over the rule's window, with headroom, rounded up to a step, against the
configured size; the saving is the billed GB-seconds the smaller size would not pay for.

Lambda gives CPU in proportion to memory, so a CPU-bound function may run longer on less
memory: the summary says so, and the saving assumes the same billed duration."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.posture.cost_model import CostFinding, Notes, finding, money
from bot.posture.pricing import CostRules, PriceTable
from integrations.aws.cost_reads import Function, Invocation

#: reads the REPORT lines of one function in [start, end]
ReadInvocations = Callable[[str, datetime, datetime], list[Invocation]]


def target_mb(peak_mb: int, rules: CostRules) -> int:
    rule = rules.lambda_
    wanted = math.ceil(peak_mb * rule.headroom / rule.step_mb) * rule.step_mb
    return max(rule.min_mb, wanted)


def lambda_memory(
    functions: Sequence[Function], read: ReadInvocations, prices: PriceTable, rules: CostRules,
    now: datetime, notes: Notes,
) -> list[CostFinding]:  # fmt: skip
    rule, out, quiet = rules.lambda_, [], 0
    start = now - timedelta(days=rule.days)
    for fn in functions:
        runs = read(fn.name, start, now)
        if len(runs) < rule.min_invocations:
            quiet += 1
            continue
        peak = max(r.max_used_mb for r in runs)
        target = target_mb(peak, rules)
        if target >= fn.memory_mb:
            continue
        price = prices.lambda_gb_second.get(fn.architecture)
        billed_s = sum(r.billed_ms for r in runs) / 1000.0
        saving = None
        if price is not None:
            per_window = billed_s * (fn.memory_mb - target) / 1024.0 * price
            saving = per_window * 30.4 / rule.days
        cost = f": saves about {money(saving, prices.currency)}/month" if saving is not None else ""
        out.append(
            finding(
                rules,
                "lambda_memory",
                f"lambda:{fn.name}",
                f"Lambda {fn.name} has {fn.memory_mb} MB and peaked at {peak} MB over "
                f"{len(runs)} runs in {rule.days} days: {target} MB would do{cost} "
                "(less memory also means less CPU: watch its duration)",
                saving,
                unpriced=None if price is not None else f"Lambda on {fn.architecture}",
                params={"name": fn.name, "memory_mb": str(target)},
            )
        )
    if quiet:
        notes.add(
            f"Lambda: {quiet} function{'s' * (quiet != 1)} with under {rule.min_invocations} "
            f"REPORT lines in {rule.days} days, not judged"
        )
    return out
