"""Nested search in real walk-forward folds on the bundled ETH/BTC bars: every trial in the fold
log and audited, the same seed giving the same trials and heads on serial, process and Ray, the
test window never reaching the search (instrumented data access, poisoned future bars), failed
trials, the deflated Sharpe ratio counting the trials, and the CLI flags."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.cli import main
from engine.eventlog import Record, read_log
from engine.models import ModelCatalog
from engine.walkforward import (
    FoldFailure,
    ProcessExecutor,
    RayExecutor,
    SerialExecutor,
    WalkForwardResult,
    audit_walk_forward,
    deflated_sharpe_ratio,
    direct,
    search,
    walk_forward,
)
from engine.walkforward.audit import search_problems
from tests.walkforward.conftest import wf_config

SPACE = {
    "xgb": {
        "max_depth": {"type": "int", "low": 2, "high": 4},
        "n_estimators": {"type": "int", "low": 5, "high": 15, "step": 5},
        "learning_rate": {"type": "log-float", "low": 0.05, "high": 0.3},
    }
}
TRIALS = 3
SEARCHED = {"train": "6D", "test": "4D", "params": {}, "search_trials": TRIALS, "search_space": SPACE}
FOLDS = 3


def _records(fold_dir: str | Path) -> list[Record]:
    return list(read_log(Path(fold_dir) / "events"))


def _search_records(r: WalkForwardResult) -> list[list[tuple[str, Any]]]:
    return [
        [(rec.kind, rec.data) for rec in _records(o.fold_dir) if rec.kind.startswith("Search")]
        for o in r.outcomes
    ]


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> WalkForwardResult:
    return walk_forward(wf_config(tmp_path_factory.mktemp("searched"), **SEARCHED), SerialExecutor())


def test_every_trial_is_logged_and_audited(searched: WalkForwardResult) -> None:
    assert all(o.ok for o in searched.outcomes) and len(searched.outcomes) == FOLDS
    for o in searched.outcomes:
        records = _records(o.fold_dir)
        kinds = [r.kind for r in records]
        expected = ["FoldStarted", "SearchStarted", *["SearchTrial"] * TRIALS, "SearchEnded", "ModelTrained"]
        assert kinds[: len(expected)] == expected
        trials = [r.data for r in records if r.kind == "SearchTrial"]
        assert [t["number"] for t in trials] == list(range(TRIALS))
        assert all(t["state"] == "COMPLETE" and np.isfinite(t["value"]) for t in trials)
        best = min(trials, key=lambda t: (t["value"], t["number"]))
        ended = records[kinds.index("SearchEnded")].data
        assert (ended["best_number"], ended["best_params"]) == (best["number"], best["params"])
        trained = records[kinds.index("ModelTrained")].data
        assert trained["search"]["best_params"] == best["params"] == o.model["search"]["best_params"]
        card = ModelCatalog(Path(o.fold_dir) / "models").verify(o.model["ref"])
        assert {k: card.params[k] for k in best["params"]} == best["params"]  # the traded model
        assert card.extra["search"]["best_number"] == best["number"]
        for t in trials:  # every sampled value inside the declared space
            for name, spec in SPACE["xgb"].items():
                assert spec["low"] <= t["params"][name] <= spec["high"]
    audit = audit_walk_forward(searched.run_dir)
    assert audit.ok, audit.problems


def test_audit_recomputes_the_best_trial(searched: WalkForwardResult) -> None:
    records = _records(searched.outcomes[0].fold_dir)
    search_cfg = records[0].data["search"]
    assert search_problems(records, search_cfg) == []
    kinds = [r.kind for r in records]
    trials = [r for r in records if r.kind == "SearchTrial"]
    worst = max(trials, key=lambda r: r.data["value"])
    end = kinds.index("SearchEnded")
    forged = list(records)
    forged[end] = dataclasses.replace(
        records[end],
        data={**records[end].data, "best_number": worst.data["number"], "best_params": worst.data["params"]},
    )
    assert any(
        "SearchEnded" in p and "does not name the best" in p for p in search_problems(forged, search_cfg)
    )
    dropped = [r for r in records if r is not trials[-1]]
    assert any("SearchTrial numbers" in p for p in search_problems(dropped, search_cfg))
    trained = kinds.index("ModelTrained")
    other = list(records)
    other[trained] = dataclasses.replace(
        records[trained], data={**records[trained].data, "search": {"best_params": worst.data["params"]}}
    )
    if worst.data["params"] != records[end].data["best_params"]:
        assert any("ModelTrained" in p for p in search_problems(other, search_cfg))


def test_deflated_sharpe_counts_every_trial(searched: WalkForwardResult) -> None:
    s = searched.summary
    assert s["search"]["trials_total"] == FOLDS * TRIALS == s["n_trials"]
    equity = pd.read_csv(searched.run_dir / "equity.csv")["equity"].to_numpy()
    returns = equity[1:] / equity[:-1] - 1.0
    variance = s["search"]["sharpe_variance"]
    assert variance > 0
    assert s["dsr"] == pytest.approx(deflated_sharpe_ratio(returns, FOLDS * TRIALS, variance))
    assert s["dsr"] < s["psr"]  # the configurations tried cost confidence
    assert s["search"]["best_params"] == {
        o.fold_id: o.model["search"]["best_params"] for o in searched.outcomes
    }


def test_same_seed_same_trials_and_heads_other_seed_other_trials(
    searched: WalkForwardResult, tmp_path: Path
) -> None:
    again = walk_forward(wf_config(tmp_path / "again", **SEARCHED), SerialExecutor())
    assert again.recomputed == FOLDS and again.head == searched.head
    assert [o.head for o in again.outcomes] == [o.head for o in searched.outcomes]
    assert _search_records(again) == _search_records(searched)
    other = walk_forward(wf_config(tmp_path / "other", **SEARCHED, seed=6), SerialExecutor())
    firsts = lambda r: [recs[1][1]["params"] for recs in _search_records(r)]  # noqa: E731
    assert firsts(other) != firsts(searched)


def test_process_pool_gives_the_same_search_and_heads(searched: WalkForwardResult, tmp_path: Path) -> None:
    r = walk_forward(wf_config(tmp_path, **SEARCHED), ProcessExecutor(workers=2, max_tasks_per_child=FOLDS))
    assert [o.head for o in r.outcomes] == [o.head for o in searched.outcomes]
    assert r.head == searched.head and _search_records(r) == _search_records(searched)


def test_ray_gives_the_same_search_and_heads(
    searched: WalkForwardResult, ray_cluster: None, tmp_path: Path
) -> None:
    r = walk_forward(wf_config(tmp_path, **SEARCHED), RayExecutor(workers=2, max_calls=FOLDS))
    assert [o.head for o in r.outcomes] == [o.head for o in searched.outcomes]
    assert r.head == searched.head


def test_poisoned_future_bars_change_nothing_in_the_search(
    searched: WalkForwardResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bar from fold 1's training end on is scrambled: folds 0 and 1 must search exactly as
    before (their search never saw those bars), while fold 1's out-of-sample result changes."""
    k = 1
    cut = searched.outcomes[k].out_of_sample["start"]
    real = direct.load_frame

    def poisoned(catalog: str, instrument: str, bar: str) -> pd.DataFrame:
        frame = real(catalog, instrument, bar).copy()
        late = frame.index >= pd.Timestamp(cut)
        noise = np.exp(np.random.default_rng(1).normal(0, 0.05, int(late.sum())))
        for col in ("open", "high", "low", "close"):
            frame.loc[late, col] = frame.loc[late, col].to_numpy() * noise
        return frame

    monkeypatch.setattr(direct, "load_frame", poisoned)
    r = walk_forward(wf_config(tmp_path, **SEARCHED), SerialExecutor())
    assert _search_records(r)[: k + 1] == _search_records(searched)[: k + 1]
    assert r.outcomes[k].out_of_sample != searched.outcomes[k].out_of_sample


ML = {
    "train": "8D",
    "test": "5D",
    "work": "engine.walkforward.ml_work:run",
    "params": {"features": "rsi_14,ema_20,roc_10", "horizon": "6", "balances": "10 BTC", "in_sample": "0"},
    "search_trials": 2,
    "search_space": SPACE,
}


def test_production_fold_search_reads_only_the_training_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production fold's search gets its bars through one call, instrumented here: nothing it
    receives (bars, feature rows, label horizons) reaches the fold's training end."""
    seen: list[tuple[Any, Any, pd.Timestamp]] = []
    real = search.bars_frame

    def recording(
        catalog: Any, instrument: str, bar: str, start: Any = None, end: Any = None
    ) -> pd.DataFrame:
        frame = real(catalog, instrument, bar, start, end)
        seen.append((start, end, frame.index.max()))
        return frame

    monkeypatch.setattr(search, "bars_frame", recording)
    r = walk_forward(wf_config(tmp_path, **ML), SerialExecutor())
    assert all(o.ok for o in r.outcomes) and len(seen) == len(r.outcomes) == 2
    for o, (start, end, last_bar) in zip(r.outcomes, seen, strict=True):
        records = _records(o.fold_dir)
        train_start, train_end = (pd.Timestamp(t) for t in records[0].data["fold"]["train"])
        assert pd.Timestamp(start) == train_start and last_bar < pd.Timestamp(end) + pd.Timedelta(1, "ns")
        assert last_bar < train_end
        started = next(rec.data for rec in records if rec.kind == "SearchStarted")
        inner = started["inner"]
        assert pd.Timestamp(started["limit"]) == train_end
        assert pd.Timestamp(inner["validation"]["max_label_end"]) < train_end
        assert pd.Timestamp(inner["fit"]["max_label_end"]) < pd.Timestamp(inner["validation"]["first"])
        assert inner["embargo_rows"] == 6
        trained = next(rec.data for rec in records if rec.kind == "ModelTrained")
        card = ModelCatalog(Path(o.fold_dir) / "models").verify(trained["ref"])
        assert {k: card.params[k] for k in trained["search"]["best_params"]} == trained["search"][
            "best_params"
        ]
    assert audit_walk_forward(r.run_dir).ok


def test_failed_trials_are_recorded_and_the_rest_used(tmp_path: Path) -> None:
    """XGBoost refuses subsample > 1: exactly those trials fail (with the error), the best of the
    others is fitted; a fold whose every trial fails is a fold failure naming the cause."""
    space = {"xgb": {**SPACE["xgb"], "subsample": {"type": "float", "low": 0.5, "high": 1.5}}}
    r = walk_forward(
        wf_config(tmp_path, train="8D", test="5D", params={}, search_trials=8, search_space=space),
        SerialExecutor(),
    )
    states = []
    for o in r.outcomes:
        assert o.ok
        trials = [rec.data for rec in _records(o.fold_dir) if rec.kind == "SearchTrial"]
        for t in trials:
            bad = t["params"]["subsample"] > 1.0
            assert t["state"] == ("FAIL" if bad else "COMPLETE")
            assert ("subsample" in t.get("error", "")) == bad and (t["value"] is None) == bad
            states.append(t["state"])
        assert o.model["search"]["failed"] == sum(t["state"] == "FAIL" for t in trials)
        assert o.model["search"]["best_params"]["subsample"] <= 1.0
    assert {"FAIL", "COMPLETE"} <= set(states)
    assert audit_walk_forward(r.run_dir).ok
    assert r.summary["search"]["trials_total"] == states.count("COMPLETE")
    never = {"xgb": {"subsample": {"type": "float", "low": 1.1, "high": 1.5}}}
    r = walk_forward(
        wf_config(tmp_path, train="8D", test="5D", params={}, search_trials=2, search_space=never),
        SerialExecutor(),
    )
    assert all(isinstance(o, FoldFailure) for o in r.outcomes)
    assert "all 2 search trials failed; first: XGBoostError" in r.outcomes[0].error


def test_cli_search_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space_file = tmp_path / "space.json"
    space_file.write_text(json.dumps(SPACE), encoding="utf-8")
    base = [
        "walk-forward", "--catalog", str(wf_config(tmp_path).catalog), "--instrument", "ETHBTC.SIM",
        "--bar", "5-MINUTE", "--train", "8D", "--test", "5D", "--work", "engine.walkforward.direct:run",
        "--seed", "3", "--out", str(tmp_path / "out"), "--search-space", str(space_file),
    ]  # fmt: skip
    assert main([*base, "--search-trials", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    run_dir = Path(out[-1])
    assert sum(" best {" in line and "log_loss" in line for line in out) == 2
    assert "search: 4 trials over all folds; DSR counts 4" in out
    manifest = json.loads((run_dir / "walkforward.json").read_text())
    assert (
        manifest["config"]["search"]["trials"] == 2 and manifest["config"]["search"]["space"] == SPACE["xgb"]
    )
    assert main(["audit", str(run_dir)]) == 0
    capsys.readouterr()
    assert main([*base, "--search-trials", "2"]) == 0  # same search: every fold reused
    assert "folds 2/2 completed, 0 computed, 2 reused" in capsys.readouterr().out
    assert main([*base, "--search-trials", "3"]) == 0  # more trials: recomputed, in a new run folder
    out = capsys.readouterr().out.splitlines()
    assert "folds 2/2 completed, 2 computed, 0 reused" in out and Path(out[-1]) != run_dir
    space_file.write_text(json.dumps({"xgb": {"max_depth": {"type": "int", "low": 4, "high": 2}}}))
    assert main([*base, "--search-trials", "2"]) == 2
    assert "xgb.max_depth: 'low' 4 > 'high' 2" in capsys.readouterr().err
