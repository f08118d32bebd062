"""Champions out of the arena, into the engine: saved weights, and recorded backtests of each
champion (``QAgentStrategy``) and of the baselines on the unseen evaluation period."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from engine.arena.config import ArenaConfig
from engine.arena.data import ArenaData
from engine.arena.features import CLIP, FeatureScaling
from engine.backtest import BacktestConfig, run_backtest
from engine.workdir import working_directory
from strategies.agents.agent import AgentConfig, QAgent
from strategies.agents.strategy import FEATURES_META
from strategies.evolution import Champion

CHAMPIONS_DIR = "_champions"
QAGENT_STRATEGY = "strategies.agents.strategy:QAgentStrategy"
BASELINES: tuple[tuple[str, dict[str, str]], ...] = (("buy-and-hold", {}), ("ema-cross", {}))
FIGURES = ("total_return", "max_drawdown", "sharpe", "trade_count", "win_rate", "final_equity")


def save_champion(
    champ: Champion, agent: AgentConfig, scaling: FeatureScaling, out: Path
) -> tuple[Path, str]:
    """Write the champion to ``out/_champions/<sha256 of the file>.safetensors`` (content-addressed,
    idempotent, atomic); returns the path and the weights digest."""
    q = QAgent(champ.agent_id, agent, 0, weights=champ.weights)
    folder = Path(out) / CHAMPIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".champion-", suffix=".tmp")
    os.close(fd)
    try:
        q.save(tmp, {FEATURES_META: json.dumps({**scaling.to_dict(), "clip": CLIP}, sort_keys=True)})
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        path = folder / f"{digest}.safetensors"
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path, q.weights_digest()


def evaluate_champions(
    config: ArenaConfig, data: ArenaData, champions: list[tuple[dict[str, Any], Path]], out: Path
) -> list[dict[str, Any]]:
    """One recorded backtest per champion and baseline on the evaluation period; a row of figures each.

    Champion weights are named relative to the folder holding ``_champions/`` and the backtests run
    from there, so no absolute path enters their manifests (same heads whatever ``--out`` is).
    """
    base = Path(config.out).resolve()
    runs: list[tuple[str, str, dict[str, str]]] = [
        (
            f"champion {c['agent_id']}",
            QAGENT_STRATEGY,
            {
                "weights_path": os.path.relpath(Path(path).resolve(), base),
                "weights_digest": c["weights_digest"],
            },
        )
        for c, path in champions
    ]
    if champions:
        runs += [(name, name, params) for name, params in BASELINES]
    rows = []
    catalog, out = Path(config.catalog).resolve(), Path(out).resolve()
    for name, strategy, params in runs:
        with working_directory(base):
            res = run_backtest(
                BacktestConfig(
                    catalog=catalog,
                    instrument_id=config.instrument_id,
                    bar=config.bar,
                    strategy=strategy,
                    params=params,
                    seed=config.seed,
                    balances=(config.balance,) if config.balance else (),
                    start=data.eval_start,
                    end=data.eval_end,
                    out=out,
                )
            )
        figures = res.metrics["strategy"]
        rows.append(
            {
                "name": name,
                "strategy": strategy,
                "run_id": res.run_id,
                "chain_head": res.head,
                **{k: figures.get(k) for k in FIGURES if k in figures},
                "fills": res.metrics["engine"].get("fills"),
            }
        )
    return rows
