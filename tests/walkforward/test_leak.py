"""What walk-forward reveals: a feature equal to the next bar's return (a leak).

Training rows carry the leak (the batch feature matrix was built from the whole series), so the
model learns to read it: in-sample accuracy is near perfect, and so is a careless evaluation that
also computes the test window's features from the whole series. The walk-forward evaluates each
test decision on data truncated at that bar -- where the next return does not exist yet -- and
there the leaky model is no better than an honest one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.models import ModelCatalog
from engine.walkforward import SerialExecutor, WalkForwardResult, walk_forward
from engine.walkforward.direct import _positions, features, load_frame
from engine.walkforward.folds import Fold, oos_mask
from indicators import forward_return_labels
from tests.walkforward.conftest import wf_config

SHORT = {"train": "4D", "test": "4D"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, WalkForwardResult]:
    out = tmp_path_factory.mktemp("leak")
    return {
        leak: walk_forward(
            wf_config(out, **SHORT, params={"model.n_estimators": "20", "leak": leak}), SerialExecutor()
        )
        for leak in ("none", "next_return")
    }


def test_leaky_feature_shines_in_sample_collapses_out_of_sample(runs: dict[str, WalkForwardResult]) -> None:
    leaky, honest = runs["next_return"], runs["none"]
    assert len(leaky.outcomes) == len(honest.outcomes) == 3
    for lo, ho in zip(leaky.outcomes, honest.outcomes, strict=True):
        assert lo.in_sample["accuracy"] > 0.95  # it reads the future in sample
        assert lo.out_of_sample["accuracy"] < lo.in_sample["accuracy"] - 0.3
        # out of sample the leak buys nothing over the honest model
        assert lo.out_of_sample["accuracy"] < ho.out_of_sample["accuracy"] + 0.1
    s = leaky.summary["is_vs_oos"]
    assert s["is_accuracy_mean"] - s["oos_accuracy_mean"] > 0.3
    assert s["sharpe_decay"] > honest.summary["is_vs_oos"]["sharpe_decay"]


def test_batch_evaluation_of_the_same_model_would_hide_the_leak(runs: dict[str, WalkForwardResult]) -> None:
    leaky = runs["next_return"]
    o = leaky.outcomes[1]
    frame = load_frame(str(wf_config(Path(".")).catalog), "ETHBTC.SIM", "5-MINUTE")
    model, card = ModelCatalog(Path(o.fold_dir) / "models").load(o.model["ref"])
    assert card.extra["fold_id"] == o.fold_id and card.content_hash == o.model["content_hash"]
    fold = Fold.from_dict(_fold_dict(leaky, o.index))
    rows = np.flatnonzero(oos_mask(frame.index, fold))
    labels = forward_return_labels(frame, 1, 0.0, 0.0)["label"].to_numpy()[rows]
    batch = _positions(model, features(frame["close"].to_numpy(), 1)[rows])
    known = ~np.isnan(labels)
    batch_accuracy = float(np.mean(batch[known] == labels[known]))
    assert batch_accuracy > 0.95  # what a whole-series (non-causal) evaluation would report
    assert o.out_of_sample["accuracy"] < batch_accuracy - 0.3  # what walk-forward reports


def _fold_dict(result: WalkForwardResult, index: int) -> dict:
    manifest = json.loads((result.run_dir / "walkforward.json").read_text())
    return manifest["folds"][index]
