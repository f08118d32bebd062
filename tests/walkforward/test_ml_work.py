"""The production fold work: train_model on the training window, MLStrategy backtest of the test
window with exactly that model; the fold log holds FoldStarted, ModelTrained, the backtest's
events and FoldEnded, and the walk-forward audit checks it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from engine.eventlog import read_log
from engine.models import ModelCatalog
from engine.walkforward import SerialExecutor, audit_walk_forward, walk_forward
from tests.walkforward.conftest import wf_config

ML = {
    "train": "8D",
    "test": "5D",
    "work": "engine.walkforward.ml_work:run",
    "params": {
        "features": "rsi_14,ema_20,roc_10",
        "model.n_estimators": "10",
        "horizon": "6",
        "fee": "0.001",
        "balances": "10 BTC",
        "in_sample": "0",
    },
}


def test_ml_fold_trains_then_backtests_the_unseen_window(tmp_path: Path) -> None:
    r = walk_forward(wf_config(tmp_path, **ML), SerialExecutor())
    assert [o.fold_id for o in r.outcomes if o.ok] == ["fold-000", "fold-001"]
    for o in r.outcomes:
        records = list(read_log(Path(o.fold_dir) / "events"))
        kinds = [rec.kind for rec in records]
        assert kinds[:3] == ["FoldStarted", "ModelTrained", "RunStarted"]
        assert kinds[-2:] == ["RunEnded", "FoldEnded"]
        assert Counter(kinds)["ModelDecision"] > 0
        run_started = records[2].data
        # exactly the fold's model, referenced without any absolute path
        assert run_started["strategy"]["params"]["model"] == o.model["ref"] == f"wf-{o.fold_id}:1"
        assert run_started["strategy"]["params"]["model_root"] == "models"
        card = ModelCatalog(Path(o.fold_dir) / "models").verify(o.model["ref"])
        assert card.content_hash == o.model["content_hash"]
        assert card.train_end < o.out_of_sample["start"]  # trained strictly before the test window
        decisions = [rec for rec in records if rec.kind == "ModelDecision"]
        assert decisions and all(
            d.data["model_id"] == o.model["ref"] and d.data["artifact_hash"] == card.artifact_digest
            for d in decisions
        )
    assert audit_walk_forward(r.run_dir).ok
    again = walk_forward(wf_config(tmp_path, **ML), SerialExecutor())
    assert again.recomputed == 0 and again.head == r.head
