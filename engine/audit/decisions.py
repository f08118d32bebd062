"""Checks of the ``ModelDecision`` records of a run against its bars and orders.

A strategy that publishes decisions publishes exactly one per bar from its first decision on:
each decision's time is a bar close (a ``Marks`` time), no bar after the first decision lacks
one, none is repeated. Actions ``buy[:reason]``/``sell[:reason]`` each submitted one order, so
there are at least as many orders as such decisions (stop-time exits may add orders).
"""

from __future__ import annotations

import itertools

from engine.audit.rebuild import Rebuilt

ORDER_VERBS = ("buy", "sell")


def check_decisions(rebuilt: Rebuilt) -> list[str]:
    """Problems found in the decision stream (empty when the run has no decisions, or they are sound)."""
    ts = rebuilt.decision_ts
    if not ts:
        return []
    problems = []
    if any(b <= a for a, b in itertools.pairwise(ts)):
        problems.append("ModelDecision times are not strictly increasing (a bar decided twice?)")
    bars = sorted(set(rebuilt.equity_ts))
    decided = set(ts)
    off_bar = sorted(decided - set(bars))
    if off_bar:
        problems.append(
            f"{len(off_bar)} ModelDecision(s) at times that are no bar close, first ts={off_bar[0]}"
        )
    missing = [t for t in bars if t >= ts[0] and t not in decided]
    if missing:
        problems.append(
            f"{len(missing)} bar(s) after the first decision have no ModelDecision, first ts={missing[0]}"
        )
    ordered = sum(rebuilt.decision_actions.get(v, 0) for v in ORDER_VERBS)
    if ordered > len(rebuilt.orders):
        problems.append(
            f"{ordered} decisions submitted orders but the log holds only {len(rebuilt.orders)} orders"
        )
    return problems
