"""The ML demo: train XGBoost on the first ~70% of the sample's ETH/BTC 5-minute bars, backtest it
on the unseen rest next to buy-and-hold, audit the run. ``runs/demo_ml.py`` is its script form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.audit import audit_run
from engine.backtest import run_backtest
from engine.catalog import bars_frame, sample_catalog
from engine.training import TrainingConfig, train_model

INSTRUMENT, BAR = "ETHBTC.SIM", "5-MINUTE"
TRAIN_FRACTION = 0.7


def run_demo(out_dir: str | Path, seed: int = 0) -> dict[str, Any]:
    """Run the demo into ``out_dir`` (models in ``out_dir/models``, runs in ``out_dir/runs``).

    The ML backtest is fed ``warm-up`` bars before the unseen window so it can decide from the
    window's first bar; those bars are training-period data used only as feature history, and its
    metrics cover the unseen window only, as do buy-and-hold's. Nothing is tuned on that window.
    """
    out = Path(out_dir)
    catalog = sample_catalog()
    bars = bars_frame(catalog, INSTRUMENT, BAR)
    cut = int(len(bars) * TRAIN_FRACTION)
    train_end, test_start = bars.index[cut - 1], bars.index[cut]
    trained = train_model(
        TrainingConfig(
            catalog=catalog,
            instrument_id=INSTRUMENT,
            bar=BAR,
            model="xgb",
            name="demo-xgb",
            end=train_end.isoformat(),
            seed=seed,
            model_root=out / "models",
        )
    )
    common = {
        "catalog": catalog,
        "instrument_id": INSTRUMENT,
        "bar": BAR,
        "balances": ("10 BTC",),
        "maker_fee": "0.001",
        "taker_fee": "0.001",
        "seed": seed,
        "out": out / "runs",
    }
    ml = run_backtest(
        strategy="xgb",
        params={"model": str(trained.ref), "model_root": str(out / "models")},
        start=test_start.isoformat(),
        warmup_bars=trained.warmup,
        **common,
    )
    bh = run_backtest(strategy="buy-and-hold", start=test_start.isoformat(), **common)
    audit = audit_run(ml.run_dir)
    return {
        "model": str(trained.ref),
        "content_hash": trained.ref.content_hash,
        "train_end": train_end.isoformat(),
        "test_start": test_start.isoformat(),
        "test_end": bars.index[-1].isoformat(),
        "training_metrics": {k: trained.metrics[k] for k in ("validation", "test")},
        "ml_run_dir": str(ml.run_dir),
        "ml_summary": ml.summary,
        "ml_metrics": ml.metrics["strategy"],
        "buy_and_hold_run_dir": str(bh.run_dir),
        "buy_and_hold_summary": bh.summary,
        "buy_and_hold_metrics": bh.metrics["strategy"],
        "audit_ok": audit.ok,
        "audit_checked": audit.checked,
    }
