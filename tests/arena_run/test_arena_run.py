"""run_arena on real ETH/BTC bars: determinism, lineage from the log, evaluation through the engine."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.arena import ArenaConfig, ArenaConfigError, run_arena
from engine.arena.audit import audit_arena
from engine.arena.report import lineage_dict
from engine.audit import audit_run
from engine.eventlog import read_log
from strategies.agents.agent import AgentConfig
from strategies.evolution import EvolutionConfig, rebuild_lineage
from strategies.evolution.evolve import generation_window
from tests.arena_run.conftest import SMALL


def test_same_seed_same_chain_head_and_lineage_different_seed_differs(catalog, tmp_path):
    a = run_arena(ArenaConfig(catalog=catalog, out=tmp_path, seed=3, **SMALL))
    b = run_arena(ArenaConfig(catalog=catalog, out=tmp_path, seed=3, **SMALL))
    c = run_arena(ArenaConfig(catalog=catalog, out=tmp_path, seed=4, **SMALL))
    assert a.run_dir != b.run_dir
    assert a.head == b.head
    assert a.metrics["arena"]["lineage"] == b.metrics["arena"]["lineage"]
    assert c.head != a.head
    # nothing in the log depends on where the run is written (no absolute paths in any manifest)
    other = run_arena(ArenaConfig(catalog=catalog, out=tmp_path / "elsewhere", seed=3, **SMALL))
    assert other.metrics["evolution_head"] == a.metrics["evolution_head"]
    assert other.head == a.head
    digests = lambda r: [n["weights_digest"] for n in r.metrics["arena"]["lineage"].values()]  # noqa: E731
    assert digests(c) != digests(a)


def test_log_holds_the_whole_run_and_rebuilds_the_lineage(catalog, tmp_path):
    res = run_arena(ArenaConfig(catalog=catalog, out=tmp_path, seed=1, **{**SMALL, "generations": 3}))
    records = list(read_log(res.run_dir / "events"))
    kinds = [r.kind for r in records]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunEnded"
    assert kinds.count("GenerationEnded") == 3
    manifest = records[0].data
    assert manifest["kind"] == "arena" and manifest["seeds"]["root"] == 1
    assert manifest["data"]["dataset_digest"] and manifest["code"]["git_commit"] is not None
    tree = rebuild_lineage((r.kind, r.data) for r in records)
    assert lineage_dict(tree) == res.metrics["arena"]["lineage"]
    # selection retired agents, offspring replaced them: a real evolution happened
    assert any(n["died_generation"] is not None for n in res.metrics["arena"]["lineage"].values())
    assert any(n["parent_ids"] for n in res.metrics["arena"]["lineage"].values())
    assert json.loads((res.run_dir / "metrics.json").read_text())["chain_head"] == res.head


def test_champions_trade_through_the_backtest_engine_next_to_baselines(catalog, tmp_path):
    res = run_arena(ArenaConfig(catalog=catalog, out=tmp_path, seed=2, **{**SMALL, "evaluate_top": 1}))
    rows = res.metrics["summary"]["evaluation"]
    assert [r["name"].split()[0] for r in rows] == ["champion", "buy-and-hold", "ema-cross"]
    champ = rows[0]
    assert champ["strategy"] == "strategies.agents.strategy:QAgentStrategy"
    assert champ["fills"] > 0  # the greedy champion trades in the real engine
    eval_dir = res.run_dir / "evaluation" / champ["run_id"]
    manifest = json.loads((eval_dir / "manifest.json").read_text())
    assert manifest["data"]["first_ts"] > records_end_ts(res)  # evaluated on unseen bars only
    report = audit_run(eval_dir)  # the backtest audit rebuilds its figures from its own log
    assert report.ok, report.problems
    assert audit_arena(res.run_dir).evaluation_runs == 3
    assert "buy-and-hold" in res.summary and "champion" in res.summary


def records_end_ts(res) -> int:
    import pandas as pd

    return pd.Timestamp(
        res.metrics and json.loads((res.run_dir / "manifest.json").read_text())["data"]["train"]["end"]
    ).value


def test_evaluation_period_must_follow_training(catalog, tmp_path):
    bad = {**SMALL, "eval_start": "2018-01-11"}
    with pytest.raises(ArenaConfigError, match="unseen"):
        run_arena(ArenaConfig(catalog=catalog, out=tmp_path, **bad))


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(10, 5000),
    lo_frac=st.floats(0, 0.5),
    size=st.integers(2, 600),
    gens=st.integers(1, 60),
)
def test_generation_windows_stay_inside_the_training_window_and_tile_it(n, lo_frac, size, gens):
    lo = int(n * lo_frac)
    config = EvolutionConfig(agent=AgentConfig(n_features=2), window=(lo, n), generation_bars=size)
    windows = [generation_window(config, n, g) for g in range(gens)]
    for a, b in windows:
        assert lo <= a < b <= n
        assert b - a == min(size, n - lo)
    if size < n - lo:
        slots = (n - lo) // size
        firsts = [a for a, _ in windows[:slots]]
        assert firsts == [lo + i * size for i in range(min(slots, gens))]


def test_qagent_strategy_refuses_weights_that_do_not_match_the_digest(catalog, tmp_path):
    from engine.arena.evaluate import save_champion
    from engine.arena.features import FeatureScaling
    from engine.backtest import run_backtest
    from engine.errors import ArtifactError
    from strategies.agents.agent import QAgent
    from strategies.evolution import Champion

    agent = AgentConfig(n_features=2, actions=(None, 0.0, 1.0))
    champ = Champion("g000-000", 0, 0.0, QAgent("x", agent, 11).get_flat())
    scaling = FeatureScaling(("logret_1", "logret_5"), (0.0, 0.0), (0.01, 0.02))
    path, digest = save_champion(champ, agent, scaling, tmp_path)
    params = {"weights_path": str(path), "weights_digest": digest}
    common = dict(catalog=catalog, instrument_id=SMALL["instrument_id"], bar=SMALL["bar"], record=False)
    ok = run_backtest(strategy=QAGENT, params=params, start="2018-01-12", end="2018-01-12 12:00", **common)
    assert ok.metrics["engine"]["orders"] >= 0
    with pytest.raises(ArtifactError, match="digest"):
        run_backtest(strategy=QAGENT, params={**params, "weights_digest": "0" * 64}, **common)


QAGENT = "strategies.agents.strategy:QAgentStrategy"

