"""Benchmark the default feature set: batch throughput vs raw TA-Lib, and streaming latency.

    python benchmarks/bench_indicators.py [--rows 1000000] [--stream-bars 5000] [--seed 7]

Batch: ``compute_features`` on synthetic 1-minute bars (seeded random walk) vs the same kind
computations run once over the full numpy arrays, results kept (no anchoring, validation or DataFrame).
Streaming: per-bar ``StreamingFeatures.update`` latency after warm-up, p50/p99 in microseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators import FeatureSet, StreamingFeatures, compute_features
from indicators.bars import validate_bars


def synthetic_bars(rows: int, seed: int) -> pd.DataFrame:
    """Seeded 1-minute OHLCV random walk in the bars contract (index = close time)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, rows)))
    open_ = np.concatenate(([100.0], close[:-1]))
    wiggle = np.abs(rng.normal(0.0, 5e-4, (2, rows)))
    high = np.maximum(open_, close) * (1 + wiggle[0])
    low = np.minimum(open_, close) * (1 - wiggle[1])
    volume = rng.lognormal(3.0, 1.0, rows)
    ts = pd.date_range("2024-01-01 00:01", periods=rows, freq="1min", tz="UTC", name="ts")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=ts)


def bench_batch(bars: pd.DataFrame, fs: FeatureSet, clock=time.perf_counter, repeat: int = 2) -> tuple:
    """Best-of-``repeat`` (batch seconds, raw seconds) measured with ``clock``."""
    b = validate_bars(bars)
    raws, batches = [], []
    for _ in range(repeat):
        t0 = clock()
        with np.errstate(all="ignore"):
            kept = [f.kind_def.compute(b, *f.params) for f in fs.features]  # results kept, as batch keeps its
        raws.append(clock() - t0)
        del kept
        t0 = clock()
        compute_features(bars, fs)
        batches.append(clock() - t0)
    return min(batches), min(raws)


def bench_stream(bars: pd.DataFrame, fs: FeatureSet, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-update (wall, thread CPU) latencies in microseconds after warm-up."""
    s = StreamingFeatures(fs)
    values, ts = bars.to_numpy(), bars.index.asi8
    for i in range(fs.warmup):
        s.update(int(ts[i]), *values[i])
    wall, cpu = np.empty(n), np.empty(n)
    for k, i in enumerate(range(fs.warmup, fs.warmup + n)):
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        s.update(int(ts[i]), *values[i])
        wall[k], cpu[k] = time.perf_counter_ns() - t0, time.thread_time_ns() - c0
    return wall / 1000.0, cpu / 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--stream-bars", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=2, help="batch repetitions (best is reported)")
    args = ap.parse_args()
    fs = FeatureSet.default()
    bars = synthetic_bars(max(args.rows, fs.warmup + args.stream_bars), args.seed)
    print(f"feature set: {len(fs.names)} features, lookback {fs.lookback}, warm-up {fs.warmup}")
    bench_batch(bars.iloc[:5000], fs, repeat=1)  # warm caches (TA-Lib lookbacks, imports)
    for label, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
        batch, raw = bench_batch(bars.iloc[: args.rows], fs, clock, args.repeat)
        print(f"batch ({label}): {args.rows:,} rows in {batch:.2f} s = {args.rows / batch:,.0f} rows/s; "
              f"raw TA-Lib {raw:.2f} s; overhead {batch / raw:.2f}x (target < 1.5x)")
    for label, lat in zip(("wall", "cpu"), bench_stream(bars, fs, args.stream_bars), strict=True):
        p50, p99 = np.percentile(lat, [50, 99])
        print(f"stream ({label}): {args.stream_bars} bars, p50 {p50:.0f} us, p99 {p99:.0f} us (target 2ms)")
    print(f"load average while running: {os.getloadavg()[0]:.1f} (2 shared cores)")


if __name__ == "__main__":
    main()
