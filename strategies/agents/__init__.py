"""Q-learning trading agents: network, replay memory, agent, state vector, fast simulator, online runner.

See ``strategies/agents/README.md`` for the state, actions, reward, scars and evolution rules.
"""

from strategies.agents.agent import AgentConfig, QAgent
from strategies.agents.runner import EpisodeResult, RewardConfig, trade_online
from strategies.agents.sim import Account, Market, SimConfig, run_policy

__all__ = [
    "Account",
    "AgentConfig",
    "EpisodeResult",
    "Market",
    "QAgent",
    "RewardConfig",
    "SimConfig",
    "run_policy",
    "trade_online",
]
