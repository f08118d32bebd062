"""Benchmark of the ML strategy on synthetic 1-minute bars (seeded random walk).

Throughput (bars/s) of an XGBoost MLStrategy backtest, fast path and streaming path, as a ratio to
an idle NautilusTrader strategy on the same bars in the same process; streaming decision latency
(bar in -> decision published and order submitted) p50/p99 for xgb, mlp and lstm, split into
(a) the streaming feature update, (b) model inference on the row and (c) the rest (signal, sizing,
ModelDecision, order), each on the wall clock and in thread CPU time (the machine is shared).

    python benchmarks/bench_ml.py [--bars 1000000] [--latency-bars 3000] [--features default|small]
                                  [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.currencies import BTC
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.enums import TimeInForce
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

from engine.backtest.execution import add_strategy, build_engine
from engine.catalog.query import bars_to_frame
from engine.models import ModelCatalog
from engine.training import LabelSpec
from indicators import FeatureSet, compute_features
from strategies.ml import MLStrategy, MLStrategyConfig
from strategies.models import make_model
from tests.realdata import eth_btc_pair

IID = InstrumentId.from_str("ETHBTC.SIM")
BAR_TYPE = BarType.from_str("ETHBTC.SIM-1-MINUTE-LAST-EXTERNAL")
SMALL = ["sma_10", "willr_14", "rsi_14", "cci_14", "bbpctb_20_2", "roc_10", "logret_1", "natr_14"]
MODELS = {
    "xgb": {"n_estimators": 50, "max_depth": 4},
    "mlp": {"hidden": [64, 32], "max_epochs": 3},
    "lstm": {"seq_len": 16, "hidden": 16, "max_epochs": 2},
}


def instrument() -> CurrencyPair:
    """The ETH/BTC spot pair the tests use (0.1% fees, prices to 6 decimals)."""
    return eth_btc_pair(str(IID))


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    """Random-walk 1-minute bars (index = bar close time, UTC)."""
    rng = np.random.default_rng(seed)
    close = np.round(0.1 * np.exp(np.cumsum(rng.normal(0, 0.001, n))), 6)
    open_ = np.round(np.r_[close[0], close[:-1]], 6)
    spread = np.round(np.abs(rng.normal(0, 0.0003, n)) * close, 6)
    high = np.round(np.maximum(open_, close) + spread, 6)
    low = np.round(np.maximum(np.minimum(open_, close) - spread, 0.000001), 6)
    vol = np.round(rng.gamma(2.0, 50.0, n), 3) + 0.001
    idx = pd.date_range("2020-01-01 00:01", periods=n, freq="1min", tz="UTC", name="ts")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": vol}, index=idx)


def to_bars(df: pd.DataFrame) -> list[Bar]:
    out = []
    for ts, o, h, lo, c, v in zip(df.index.asi8, *(df[k].to_numpy() for k in df.columns), strict=True):
        out.append(
            Bar(
                BAR_TYPE,
                Price(o, 6),
                Price(h, 6),
                Price(lo, 6),
                Price(c, 6),
                Quantity(v, 3),
                int(ts) - 60_000_000_000,
                int(ts),
            )
        )
    return out


class Idle(Strategy):
    def __init__(self, strategy_id: str = "Idle-001") -> None:
        super().__init__(StrategyConfig(strategy_id=strategy_id, log_events=False, log_commands=False))

    def on_start(self) -> None:
        self.subscribe_bars(BAR_TYPE)


class CountingML(MLStrategy):
    """MLStrategy that counts its orders and notes each one's bar, side and quantity. On the fast
    path it batches (in the timed run) from the bars the engine replays, handed over by
    ``add_strategy`` as in ``run_backtest``."""

    def __init__(self, config) -> None:
        super().__init__(config)
        self.orders = 0
        self.sent: dict[int, tuple] = {}  # bar index -> (side, quantity)

    def submit_order(self, order, *args, **kwargs) -> None:
        self.orders += 1
        self.sent[self._bar_index] = (order.side, order.quantity)
        super().submit_order(order, *args, **kwargs)


class OrdersOnly(Idle):
    """No model: submits the market orders another run sent, at the same bars (same sides and
    quantities, so the same fills). Times what NautilusTrader's order handling alone costs."""

    def __init__(self, sent: dict[int, tuple]) -> None:
        super().__init__("Orders-001")
        self.sent = sent
        self.bar_index = -1

    def on_bar(self, bar: Bar) -> None:
        self.bar_index += 1
        order = self.sent.get(self.bar_index)
        if order is not None:
            side, quantity = order
            self.submit_order(self.order_factory.market(IID, side, quantity, time_in_force=TimeInForce.GTC))


PARTS = ("total", "features", "model", "rest", "model+rest")


class TimedML(MLStrategy):
    """Streaming MLStrategy that times each post-warm-up on_bar (bar in -> decision out, order
    submitted) and, inside it, the feature update and the model call, on two clocks."""

    CLOCKS: ClassVar[dict] = {"wall": time.perf_counter_ns, "cpu": time.thread_time_ns}

    def __init__(self, config) -> None:
        super().__init__(config)
        self.lat = {c: {p: [] for p in PARTS} for c in self.CLOCKS}
        self._spent = {c: {"features": 0, "model": 0} for c in self.CLOCKS}

    def _timed(self, fn, part: str):
        wall, cpu, spent = self.CLOCKS["wall"], self.CLOCKS["cpu"], self._spent

        def call(*args):
            w, c = wall(), cpu()
            out = fn(*args)
            spent["cpu"][part] += cpu() - c
            spent["wall"][part] += wall() - w
            return out

        return call

    def _first_bar(self, bar: Bar) -> None:
        super()._first_bar(bar)
        self.inputs.features.update = self._timed(self.inputs.features.update, "features")
        self.inputs.model.predict_row = self._timed(self.inputs.model.predict_row, "model")

    def on_bar(self, bar: Bar) -> None:
        for spent in self._spent.values():
            spent["features"] = spent["model"] = 0
        w, c = time.perf_counter_ns(), time.thread_time_ns()
        before = self.decisions
        super().on_bar(bar)
        c, w = time.thread_time_ns() - c, time.perf_counter_ns() - w
        if self.decisions > before:
            for clock, total in (("wall", w), ("cpu", c)):
                spent, lat = self._spent[clock], self.lat[clock]
                rest = total - spent["features"] - spent["model"]
                for part, v in zip(
                    PARTS,
                    (total, spent["features"], spent["model"], rest, total - spent["features"]),
                    strict=True,
                ):
                    lat[part].append(v / 1e6)


def train(kind: str, df: pd.DataFrame, fs: FeatureSet, root: Path) -> str:
    feats = compute_features(df, fs).to_numpy()[fs.warmup :]
    y = LabelSpec("forward", 10, 0.001, 0.001).labels(df)["label"].to_numpy()[fs.warmup :]
    model = make_model(kind, seed=0, **MODELS[kind]).fit(feats, y)
    meta = {
        "feature_set": json.loads(fs.to_json()),
        "feature_digest": fs.digest,
        "extra": {"warmup": fs.warmup},
    }
    return str(ModelCatalog(root).save(f"bench-{kind}", model, meta))


WALL: dict[int, float] = {}  # wall seconds of each run, by strategy id


def run(strategy: Strategy, bars: list[Bar]) -> float:
    """CPU seconds of one engine run (the machine is shared: CPU time for ratios; wall kept too)."""
    engine: BacktestEngine = build_engine(instrument(), bars, [Money(10, BTC)], seed=0)
    add_strategy(engine, strategy, bars)
    t, w = time.process_time(), time.perf_counter()
    engine.run()
    dt = time.process_time() - t
    WALL[id(strategy)] = time.perf_counter() - w
    engine.dispose()
    return dt


def config(ref: str, root: Path, fast: bool, threshold: float = 0.45) -> MLStrategyConfig:
    return MLStrategyConfig(
        instrument_id=IID,
        bar_type=BAR_TYPE,
        model=ref,
        model_root=str(root),
        threshold=threshold,
        fast_path=fast,
        scars=False,
        log_events=False,  # as run_backtest configures strategies when not verbose
        log_commands=False,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--latency-bars", type=int, default=3000, help="post-warm-up bars timed per model")
    ap.add_argument(
        "--streaming-bars", type=int, default=20_000, help="bars for the streaming throughput run"
    )
    ap.add_argument("--features", choices=("default", "small"), default="default")
    ap.add_argument("--repeat", type=int, default=1, help="idle/fast-path pairs, alternating; best of each")
    args = ap.parse_args()
    fs = FeatureSet.default() if args.features == "default" else FeatureSet.from_names(SMALL)
    bars = to_bars(synthetic(args.bars))
    df = bars_to_frame(bars[:20_000])  # the training rows, as the strategy sees them
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        refs = {k: train(k, df, fs, root) for k in MODELS}
        idle_runs, fast_runs = [], []  # (CPU s, strategy) of each run
        for _ in range(args.repeat):  # alternating, best of each (the machine is shared)
            strategy = Idle()
            idle_runs.append((run(strategy, bars), strategy))
            strategy = CountingML(config(refs["xgb"], root, True))
            fast_runs.append((run(strategy, bars), strategy))
        idle_cpu, idle_s_ = min(idle_runs, key=lambda r: r[0])  # the best run (its wall time too)
        fast_cpu, fast_s_ = min(fast_runs, key=lambda r: r[0])
        idle, fast = len(bars) / idle_cpu, len(bars) / fast_cpu
        # the same fast path with a threshold no probability reaches: every decision is still made
        # and published, but no order is sent (separates NautilusTrader's order handling)
        quiet_s_ = CountingML(config(refs["xgb"], root, True, threshold=1.01))
        quiet = len(bars) / run(quiet_s_, bars)
        # the fast path's orders with no model: what the orders alone cost
        orders_s_ = OrdersOnly(fast_s_.sent)
        orders_only = len(bars) / run(orders_s_, bars)
        n_stream = min(len(bars), args.streaming_bars)
        idle_s = n_stream / run(Idle(), bars[:n_stream])
        stream = n_stream / run(TimedML(config(refs["xgb"], root, False)), bars[:n_stream])
        walls = f"wall: idle {WALL[id(idle_s_)]:.1f}s, fast path {WALL[id(fast_s_)]:.1f}s"
        print(f"features: {args.features} ({len(fs.names)} features, warm-up {fs.warmup} bars)")
        cpu_runs = ", ".join(f"{i:.2f}/{f:.2f}" for (i, _), (f, _) in zip(idle_runs, fast_runs, strict=True))
        print(f"runs, idle/fast path CPU s: {cpu_runs} (best of each below)")
        print(f"idle strategy:        {idle:>10,.0f} bars/s (CPU) ({len(bars):,} bars; {walls})")
        print(
            f"xgb fast path:        {fast:>10,.0f} bars/s (CPU) ratio to idle {fast / idle:.2f} "
            f"(target >= 0.5; {fast_s_.decisions:,} decisions, {fast_s_.orders:,} orders)"
        )
        print(
            f"  same, no orders:    {quiet:>10,.0f} bars/s (CPU) ratio to idle {quiet / idle:.2f} "
            f"({quiet_s_.decisions:,} decisions published, {quiet_s_.orders} orders)"
        )
        print(
            f"  its orders, no model: {orders_only:>8,.0f} bars/s (CPU) "
            f"ratio to idle {orders_only / idle:.2f} "
            f"(the same {len(fast_s_.sent):,} orders at the same bars; the model's own cost is "
            f"{len(bars) / fast - len(bars) / orders_only:.1f}s of CPU over it, idle's whole run "
            f"{len(bars) / idle:.1f}s)"
        )
        print(
            f"xgb streaming:        {stream:>10,.0f} bars/s (CPU) ratio to idle {stream / idle_s:.2f} "
            f"({n_stream:,} bars)"
        )
        n_lat = min(len(bars), fs.warmup + args.latency_bars + 20)
        for kind in MODELS:
            s = TimedML(config(refs[kind], root, False))
            run(s, bars[:n_lat])
            n_dec = len(s.lat["wall"]["total"])
            print(f"{kind} streaming latency ({n_dec} decisions; target total p99 < 2 ms for xgb/mlp):")
            for clock in TimedML.CLOCKS:
                cells = []
                for part in PARTS:
                    ms = np.array(s.lat[clock][part])
                    cells.append(f"{part} {np.percentile(ms, 50):.3f}/{np.percentile(ms, 99):.3f}")
                print(f"  {clock:>4} p50/p99 ms: " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
