"""Scars of an ML strategy forced to lose: thresholds fire, effects show in its orders, replay agrees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.audit import audit_run
from engine.audit.rebuild import rebuild
from engine.backtest import run_backtest
from engine.catalog import sample_catalog
from engine.eventlog import read_log
from engine.models import ModelCatalog
from indicators import FeatureSet
from strategies.ml.scarlog import scar_events
from strategies.models import factory
from strategies.scars import fold_condition
from tests.ml.helpers import BAR, INSTRUMENT, AlwaysBuy

FEATURES = FeatureSet.from_names(["sma_10", "willr_14"])
PAUSE = 24


@pytest.fixture
def always_buy(tmp_path, monkeypatch):
    monkeypatch.setitem(factory.MODEL_KINDS, AlwaysBuy.kind, AlwaysBuy)
    import json

    model = AlwaysBuy().fit([[0.0, 0.0]], [1.0])
    ref = ModelCatalog(tmp_path / "models").save(
        "always-buy",
        model,
        {"feature_set": json.loads(FEATURES.to_json()), "feature_digest": FEATURES.digest},
    )
    return str(ref), tmp_path / "models"


def test_losing_model_gets_scars_and_their_effects_show_in_orders(tmp_path, always_buy):
    ref, root = always_buy
    params = {
        "model": ref,
        "model_root": str(root),
        "position_fraction": "0.8",
        "scar_dd_light": "0.01",
        "scar_dd_moderate": "0.02",
        "scar_dd_severe": "0.04",
        "scar_trade_light": "0.01",
        "scar_trade_moderate": "0.03",
        "scar_trade_severe": "0.2",
        "moderate_size_multiplier": "0.5",
        "severe_pause_bars": str(PAUSE),
    }
    # ETH/BTC fell ~12% from 2018-01-14 12:00 to 01-17 06:00: an always-buy model must lose
    result = run_backtest(
        catalog=sample_catalog(),
        instrument_id=INSTRUMENT,
        bar=BAR,
        strategy="strategies.ml:MLStrategy",
        params=params,
        start="2018-01-14T12:00",
        end="2018-01-17T06:00",
        balances=("10 BTC",),
        maker_fee="0.001",
        taker_fee="0.001",
        out=tmp_path / "runs",
    )
    records = list(read_log(result.run_dir / "events"))
    scars = [d for _, d in scar_events(records)]
    kinds = [(s["kind"], s["severity"]) for s in scars]
    # a new peak re-arms the levels; the final episode crosses light, moderate, severe in that order
    i = kinds.index(("drawdown", "severe"))
    assert kinds[i - 2 : i] == [("drawdown", "light"), ("drawdown", "moderate")]
    for s in scars:
        level = {"light": 0.01, "moderate": 0.02, "severe": 0.04}[s["severity"]]
        assert s["kind"] != "drawdown" or s["loss_fraction"] >= level
    assert kinds[i + 1][0] == "trade_loss"  # the paused exit realised the loss

    orders = [r.data for r in records if r.kind == "OrderInitialized"]
    severe = scars[i]
    paused_until = severe["paused_until"]
    assert paused_until == severe["ts"] + PAUSE * 300_000_000_000
    # the first order after the severe scar is the paused exit, on the same bar; nothing until the pause ends
    after = [o for o in orders if o["ts_init"] >= severe["ts"]]
    assert after[0]["order_side"] == "SELL" and after[0]["ts_init"] == severe["ts"]
    assert all(o["ts_init"] >= paused_until for o in after[1:])
    # the re-entry is sized with the folded multiplier (moderate drawdown x moderate trade loss)
    reentry = after[1]
    assert reentry["order_side"] == "BUY"
    mult = fold_condition(
        scar_events([r for r in records if r.kind != "Scar" or int(r.data["ts_event"]) <= reentry["ts_init"]])
    ).size_multiplier
    n_moderate = sum(1 for x in scars if x["severity"] == "moderate" and x["ts"] <= reentry["ts_init"])
    assert n_moderate >= 1 and mult == pytest.approx(0.5**n_moderate)
    rebuilt = rebuild(records)
    equity = dict(zip(rebuilt.equity_ts, rebuilt.equity, strict=True))
    closes = {}
    for r in records:
        if r.kind == "Marks":
            closes.update(zip(r.data["ts"], (Decimal(c) for c in r.data["close"]), strict=True))
    t = reentry["ts_init"]
    spent = Decimal(reentry["quantity"]) * closes[t] / equity[t]
    assert float(spent) == pytest.approx(0.8 * mult, rel=0.01)
    assert audit_run(result.run_dir).ok
