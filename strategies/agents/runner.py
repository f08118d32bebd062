"""Drive one ``QAgent`` through a market window on the fast simulator, online, with scars.

Per bar ``t``: build the state (features[t] + the agent's capital ratio, exposure, scar count, recent
win ratio), act, fill at ``open[t+1]``, mark equity at ``close[t+1]``, feed the ``ScarTracker``
(closed trade, then equity), apply any scar to the agent, and ``observe`` the reward:

    reward = scale * log(E[t+1] / E[t])
             - scar_penalty * (sum of the weights of the scars fired this bar)
             - drawdown_penalty * scale * max(0, DD[t+1] - DD[t])

where DD is the drawdown from the running equity peak. A paused agent sits flat and does not learn;
an agent breaking a kill rule stops at once (its last transition is terminal) and the result names
the reason. Scar events go out through the tracker's ``emit``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from strategies.agents.agent import QAgent
from strategies.agents.sim import Account, EpisodeResult, Market, SimConfig
from strategies.agents.state import build_state
from strategies.scars import ScarTracker

WIN_WINDOW = 20


@dataclass(frozen=True)
class RewardConfig:
    scale: float = 100.0
    scar_penalty: float = 0.5
    drawdown_penalty: float = 1.0


def trade_online(
    agent: QAgent,
    market: Market,
    start: int,
    end: int,
    tracker: ScarTracker,
    sim: SimConfig | None = None,
    reward: RewardConfig | None = None,
    capital: float | None = None,
    clock: int = 0,
    learn: bool = True,
    greedy: bool = False,
) -> EpisodeResult:
    """Trade bars ``start..end-1`` starting with ``capital``; ``clock`` is the scar clock at ``start``."""
    sim = sim or SimConfig()
    reward = reward or RewardConfig()
    acc = Account(sim.initial_capital if capital is None else capital, sim.fee_rate)
    targets = agent.config.actions
    close, open_, feats = market.close, market.open, market.features
    equity = np.empty(end - start)
    eq0 = acc.equity(close[start])
    equity[0] = eq0
    peak, dd0 = eq0, 0.0
    wins: deque[bool] = deque(maxlen=WIN_WINDOW)
    result = EpisodeResult(equity=equity)
    initial = float(tracker.initial_equity)

    def state_at(t: int, eq: float) -> np.ndarray:
        ratio = sum(wins) / len(wins) if wins else 0.5
        return build_state(feats[t], eq / initial, acc.exposure(close[t]), agent.condition.total_scars, ratio)

    state = state_at(start, eq0)
    for t in range(start, end - 1):
        now = clock + (t - start)
        paused = agent.condition.is_paused(now)
        if paused:
            target: float | None = 0.0
        else:
            target = targets[agent.act(state, greedy=greedy)]
            if target is not None:
                target *= agent.condition.size_multiplier
        pnl = acc.rebalance(target, open_[t + 1])
        eq1 = acc.equity(close[t + 1])
        equity[t + 1 - start] = eq1
        scars = []
        if pnl is not None:
            result.trades.append(pnl)
            wins.append(pnl > 0)
            scars += tracker.record_trade(pnl, eq1, now + 1)
        scars += tracker.update_equity(eq1, now + 1)
        for scar in scars:
            agent.apply_scar(scar)
        result.scars += scars
        peak = max(peak, eq1)
        dd1 = (peak - eq1) / peak if peak > 0 else 1.0
        died = tracker.death_reason()
        state = state_at(t + 1, eq1)
        if paused or not learn:
            agent.forget_last()
        else:
            r = reward.scale * math.log(max(eq1, 1e-12) / max(eq0, 1e-12))
            r -= reward.scar_penalty * sum(s.weight for s in scars)
            r -= reward.drawdown_penalty * reward.scale * max(0.0, dd1 - dd0)
            agent.observe(r, state, done=died is not None)
        eq0, dd0 = eq1, dd1
        if died is not None:
            result.died, result.died_at = died, now + 1
            result.equity = equity[: t + 2 - start]
            break
    result.fees = acc.fees
    return result
