"""Training pipeline: determinism, stored metadata, purge/embargo, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.catalog import dataset_info, sample_catalog
from engine.cli import main
from engine.errors import LineageError
from engine.models import ModelCatalog
from engine.training import SplitSpec, purged_split, score, train_model
from tests.ml.helpers import BAR, INSTRUMENT, SMALL_FEATURES, small_training

REPO = Path(__file__).resolve().parents[2]


def test_same_seed_same_content_hash_other_seed_differs(tmp_path, trained):
    first = trained["xgb"]
    again = train_model(small_training("xgb", "again", tmp_path))
    assert again.ref.content_hash == first.ref.content_hash
    other = train_model(
        small_training("xgb", "other", tmp_path, seed=1, model_params={"n_estimators": 20, "subsample": 0.7})
    )
    assert other.ref.content_hash != first.ref.content_hash


def test_card_records_full_metadata(trained, model_root):
    result = trained["mlp"]
    card = ModelCatalog(model_root).verify(str(result.ref))
    assert card.kind == "mlp"
    assert card.feature_digest == SMALL_FEATURES.digest
    assert card.feature_set["features"][0]["name"] == "sma_10"
    assert card.label_spec["horizon"] == 6 and card.label_spec["kind"] == "forward"
    assert card.data_digest == dataset_info(sample_catalog(), INSTRUMENT, "bars", BAR)["digest"]
    assert card.train_start == result.splits["train"]["first"]
    assert card.extra["warmup"] >= SMALL_FEATURES.warmup
    for split in ("validation", "test"):
        m = card.metrics[split]
        assert 0.0 <= m["accuracy"] <= 1.0 and m["log_loss"] > 0
        assert set(m["f1"]) == {"sell", "neutral", "buy"}
    assert {"xgboost", "torch", "numpy"} <= set(card.library_versions)
    # splits are in time order with the embargo gap between them
    t = {k: pd.Timestamp(v["first"]) for k, v in result.splits.items()}
    assert pd.Timestamp(result.splits["train"]["last"]) < t["validation"]
    assert pd.Timestamp(result.splits["validation"]["last"]) < t["test"]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(30, 400),
    horizons=st.lists(st.integers(1, 40), min_size=1, max_size=400),
    embargo=st.integers(0, 8),
    train=st.floats(0.3, 0.7),
)
def test_purge_and_embargo_never_let_labels_reach_later_splits(n, horizons, embargo, train):
    ts = pd.date_range("2020-01-01", periods=n, freq="5min", tz="UTC")
    h = np.resize(np.array(horizons), n)
    ends = ts.asi8 + h * 300_000_000_000  # each label looks h bars ahead
    spec = SplitSpec(train, (1 - train) / 2, (1 - train) / 2, embargo)
    try:
        s = purged_split(ts, ends, spec)
    except LineageError:
        return  # too few rows for this split: refused loudly, never silently wrong
    first_val, first_test = ts.asi8[s.validation[0]], ts.asi8[s.test[0]]
    assert (ends[s.train] < first_val).all() and (ends[s.train] < first_test).all()
    assert (ends[s.validation] < first_test).all()
    assert s.train.max() + embargo < s.validation.min() and s.validation.max() + embargo < s.test.min()
    # nothing dropped except what purge or embargo demand
    cut1 = int(np.floor(n * spec.train))
    assert len(s.train) + s.purged["train"] == cut1


def test_score_on_known_predictions():
    proba = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1], [0.6, 0.2, 0.2]])
    y = np.array([-1, 1, 1, 1])
    m = score(proba, y)
    assert m["accuracy"] == 0.5
    assert m["directional_rows"] == 3 and m["directional_accuracy"] == pytest.approx(2 / 3)
    assert m["f1"]["sell"] == pytest.approx(2 / 3) and m["f1"]["neutral"] == 0.0
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.8, 0.1, 0.2])))


def test_train_cli_prints_name_version_last(tmp_path, capsys):
    features = tmp_path / "fs.json"
    features.write_text(SMALL_FEATURES.to_json())
    args = [
        "train",
        "--catalog",
        str(sample_catalog()),
        "--instrument",
        INSTRUMENT,
        "--bar",
        BAR,
        "--model",
        "xgb",
        "--name",
        "cli-xgb",
        "--end",
        "2018-01-15",
        "--features",
        str(features),
        "--horizon",
        "6",
        "--model-param",
        "n_estimators=10",
        "--model-root",
        str(tmp_path / "m"),
    ]
    assert main(args) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "cli-xgb:1"
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", *args, "--triple-barrier", "0.004", "0.004"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "cli-xgb:2"
    assert ModelCatalog(tmp_path / "m").verify("cli-xgb:2").label_spec["kind"] == "triple_barrier"


def test_train_cli_reports_bad_features_file(tmp_path, capsys):
    code = main(
        [
            "train",
            "--catalog",
            str(sample_catalog()),
            "--instrument",
            INSTRUMENT,
            "--bar",
            BAR,
            "--model",
            "xgb",
            "--name",
            "x",
            "--features",
            str(tmp_path / "none.json"),
            "--model-root",
            str(tmp_path),
        ]
    )
    assert code == 2 and "none.json" in capsys.readouterr().err
