"""Walk-forward benchmark: 12 folds on real BTC-PERP 1-minute bars (train 6 days, test 2 days),
wall time serial vs process pool vs Ray with 2 workers, and peak RSS per worker process per fold.

    python benchmarks/bench_walkforward.py [--executors serial,process,ray] [--estimators 200]
        [--max-tasks 4] [--work ml|direct] [--synthetic BARS]

``--work ml`` (default) times the production fold work users get (``engine.walkforward.ml_work``:
train_model + a recorded MLStrategy backtest per fold); ``--work direct`` the light research fold,
where worker start-up weighs more. The bundled folds take ~3 s of CPU each; ``--synthetic BARS``
runs the same 12-fold scheme on BARS seeded random-walk bars so that folds are as long as a
realistic walk-forward's (windows scale with BARS).

Ray's local cluster is started once before the Ray run (as a long-lived service or the test
session does) and its start-up time is printed separately; the process pool's forkserver start-up
is inside its wall time.

Each executor writes to its own temporary output folder (no resume across executors); the
top-level chain heads must agree. Each worker appends, after each fold, the fold's wall and CPU
time and its peak RSS (``VmHWM``) to the file named by ``$LINEAGE_BENCH_RSS_LOG`` (never into the
logs, so the fold keys and chain heads stay comparable across executors). The machine's load
average is printed: on a shared machine other jobs compete with the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from engine.catalog import import_files, sample_catalog
from engine.walkforward import WalkForwardConfig, direct, make_executor, ml_work, walk_forward
from engine.walkforward.fold_task import FoldContext, FoldOutput, FoldTask
from engine.walkforward.ray_pool import start_local_cluster

RSS_ENV = "LINEAGE_BENCH_RSS_LOG"
WORK_ENV = "LINEAGE_BENCH_WORK"


def _status_mib(field: str) -> float:
    """``VmHWM``/``VmRSS`` of this process in MiB. Unlike ``getrusage``'s ``ru_maxrss`` (which Linux
    carries across ``exec``, so a spawned worker would report its forking parent's peak), these
    belong to this process's own address space."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_work(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """The fold work named by ``$LINEAGE_BENCH_WORK`` (``ml`` or ``direct``), then append this
    worker's fold timing (monotonic start/end, CPU seconds) and memory (peak and current RSS, MiB)
    to ``$LINEAGE_BENCH_RSS_LOG``."""
    work = ml_work.run if os.environ.get(WORK_ENV, "ml") == "ml" else direct.run
    start, cpu = time.monotonic(), time.process_time()
    out = work(task, ctx)
    rec = {
        "pid": os.getpid(),
        "fold": task.fold.index,
        "start": start,
        "end": time.monotonic(),
        "cpu": time.process_time() - cpu,
        "peak_mib": round(_status_mib("VmHWM"), 1),
        "rss_mib": round(_status_mib("VmRSS"), 1),
    }
    with open(os.environ.get(RSS_ENV, os.devnull), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
    return out


def _report_workers(rss_log: Path, t0: float, wall: float) -> None:
    """Per worker: when its first fold started (start-up), busy wall and CPU, peak RSS per fold."""
    per_pid: dict[int, list[dict]] = defaultdict(list)
    for line in rss_log.read_text().splitlines():
        rec = json.loads(line)
        per_pid[rec["pid"]].append(rec)
    busy = cpu = 0.0
    for pid, recs in per_pid.items():
        w = sum(r["end"] - r["start"] for r in recs)
        c = sum(r["cpu"] for r in recs)
        busy, cpu = busy + w, cpu + c
        print(
            f"  worker {pid}: folds {[r['fold'] for r in recs]} first fold at +{recs[0]['start'] - t0:.1f}s, "
            f"last done at +{recs[-1]['end'] - t0:.1f}s; busy {w:.1f}s wall / {c:.1f}s CPU"
        )
        print(f"    peak RSS MiB after each fold {[r['peak_mib'] for r in recs]}")
    print(f"  fold work in total: {busy:.1f}s wall, {cpu:.1f}s CPU (run wall {wall:.1f}s)")


def synthetic_catalog(bars: int, seed: int = 7) -> Path:
    """A catalog (built once, under the temp dir) of ``bars`` seeded random-walk 1-minute bars of
    ``BTCPERP.SIM``, imported through the same validating importer as the bundled data."""
    root = Path(tempfile.gettempdir()) / f"lineage-bench-wf-synthetic-{bars}-{seed}"
    if (root / "catalog" / "_lineage").is_dir():
        return root / "catalog"
    rng = np.random.default_rng(seed)
    close = np.round(46000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0008, bars))), 1)
    open_ = np.r_[close[0], close[:-1]]
    spread = np.round(np.abs(rng.normal(0.0, 0.0004, bars)) * close, 1)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2021-01-01 00:01", periods=bars, freq="1min").strftime(
                "%Y-%m-%d %H:%M:%S.%f"
            ),
            "open": open_,
            "high": np.maximum(open_, close) + spread,
            "low": np.minimum(open_, close) - spread,
            "close": close,
            "volume": np.round(rng.gamma(2.0, 1e6, bars), 4) + 1.0,
        }
    )
    src = Path(tempfile.mkdtemp(prefix="bench-wf-src-"))
    csv = src / "BTC-PERP-1m-synthetic.csv"
    frame.to_csv(csv, index=False)
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=root.parent))
    import_files([csv], build / "catalog")
    shutil.rmtree(root, ignore_errors=True)  # a leftover without metadata was never complete
    os.replace(build, root)
    shutil.rmtree(src, ignore_errors=True)
    return root / "catalog"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", default="serial,process,ray")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--estimators", type=int, default=200)
    parser.add_argument("--max-tasks", type=int, default=4, help="folds per worker before it is recycled")
    parser.add_argument("--work", choices=("ml", "direct"), default="ml", help="fold work timed")
    parser.add_argument(
        "--synthetic",
        type=int,
        metavar="BARS",
        help="seeded random-walk BTC-PERP 1-minute bars instead of the bundled ones; windows scale "
        "with BARS (test ~BARS/15 minutes, train 3x that: 12 folds)",
    )
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ[WORK_ENV] = args.work
    if args.synthetic:
        catalog = synthetic_catalog(args.synthetic)
        test_min = (args.synthetic - 60) // 15  # 12 complete test windows after the first training one
        train, test = f"{3 * test_min}min", f"{test_min}min"
    else:
        catalog, train, test = sample_catalog(), "6D", "2D"
    print(f"data: {catalog} BTCPERP.SIM 1-MINUTE, train {train}, test {test}, {args.estimators} trees")
    times, heads = {}, {}
    ray_started = False
    for name in args.executors.split(","):
        out = Path(tempfile.mkdtemp(prefix=f"bench-wf-{name}-"))
        rss_log = out / "rss.jsonl"
        rss_log.touch()
        os.environ[RSS_ENV] = str(rss_log)
        config = WalkForwardConfig(
            catalog=catalog,
            instrument="BTCPERP.SIM",
            bar="1-MINUTE",
            train=train,
            test=test,
            embargo="1h",
            params={"model.n_estimators": str(args.estimators), "balances": "100000 USD"},
            work="benchmarks.bench_walkforward:rss_work",
            out=out,
        )
        executor = make_executor(name, args.workers)
        if name == "ray" and not ray_started:
            t_ray = time.perf_counter()
            start_local_cluster(args.workers)  # once per session, as a long-lived service would
            ray_started = True
            print(f"ray      local cluster started in {time.perf_counter() - t_ray:.1f}s (not timed below)")
        if hasattr(executor, "max_tasks_per_child"):
            executor.max_tasks_per_child = args.max_tasks
        if hasattr(executor, "max_calls"):
            executor.max_calls = args.max_tasks
        load = os.getloadavg()[0]
        t0, t_mono = time.perf_counter(), time.monotonic()
        result = walk_forward(config, executor)
        times[name] = time.perf_counter() - t0
        heads[name] = [getattr(o, "head", None) for o in result.outcomes]
        done = result.summary["completed"]
        print(
            f"{name:8s} folds={len(result.outcomes)} ok={done} wall={times[name]:.1f}s "
            f"load avg before/after {load:.1f}/{os.getloadavg()[0]:.1f}"
        )
        _report_workers(rss_log, t_mono, times[name])
    if ray_started:
        import ray

        ray.shutdown()
    if "serial" in times:
        for name, t in times.items():
            if name != "serial":
                print(f"speedup {name} vs serial: {times['serial'] / t:.2f}x")
    same = len({json.dumps(h) for h in heads.values()}) == 1
    print(f"fold heads identical across executors: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
