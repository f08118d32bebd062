"""Walk-forward benchmark: 12 folds on real BTC-PERP 1-minute bars (train 6 days, test 2 days),
wall time serial vs process pool vs Ray with 2 workers, and peak RSS per worker process per fold.

    python benchmarks/bench_walkforward.py [--executors serial,process,ray] [--estimators 200]
        [--work ml|direct]

``--work ml`` (default) times the production fold work users get (``engine.walkforward.ml_work``:
train_model + a recorded MLStrategy backtest per fold); ``--work direct`` the light research fold,
where worker start-up (importing torch, NautilusTrader) weighs more.

Each executor writes to its own temporary output folder (no resume across executors); the
top-level chain heads must agree. Peak RSS comes from ``getrusage`` in the worker after each fold
(appended to the file named by ``$LINEAGE_BENCH_RSS_LOG``, never into the logs, so the fold keys
and chain heads stay comparable across executors). The machine's load average is printed: on a
shared machine other jobs compete with the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.catalog import sample_catalog
from engine.walkforward import WalkForwardConfig, direct, make_executor, ml_work, walk_forward
from engine.walkforward.fold_task import FoldContext, FoldOutput, FoldTask

RSS_ENV = "LINEAGE_BENCH_RSS_LOG"
WORK_ENV = "LINEAGE_BENCH_WORK"


def rss_work(task: FoldTask, ctx: FoldContext) -> FoldOutput:
    """The fold work named by ``$LINEAGE_BENCH_WORK`` (``ml`` or ``direct``), then append this
    worker's peak RSS (MiB) to ``$LINEAGE_BENCH_RSS_LOG``."""
    work = ml_work.run if os.environ.get(WORK_ENV, "ml") == "ml" else direct.run
    out = work(task, ctx)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(os.environ.get(RSS_ENV, os.devnull), "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"pid": os.getpid(), "fold": task.fold.index, "peak_mib": round(peak, 1)}) + "\n")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", default="serial,process,ray")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--estimators", type=int, default=200)
    parser.add_argument("--max-tasks", type=int, default=4, help="folds per worker before it is recycled")
    parser.add_argument("--work", choices=("ml", "direct"), default="ml", help="fold work timed")
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ[WORK_ENV] = args.work
    catalog = sample_catalog()
    times, heads = {}, {}
    for name in args.executors.split(","):
        out = Path(tempfile.mkdtemp(prefix=f"bench-wf-{name}-"))
        rss_log = out / "rss.jsonl"
        rss_log.touch()
        os.environ[RSS_ENV] = str(rss_log)
        config = WalkForwardConfig(
            catalog=catalog,
            instrument="BTCPERP.SIM",
            bar="1-MINUTE",
            train="6D",
            test="2D",
            embargo="1h",
            params={"model.n_estimators": str(args.estimators), "balances": "100000 USD"},
            work="benchmarks.bench_walkforward:rss_work",
            out=out,
        )
        executor = make_executor(name, args.workers)
        if hasattr(executor, "max_tasks_per_child"):
            executor.max_tasks_per_child = args.max_tasks
        if hasattr(executor, "max_calls"):
            executor.max_calls = args.max_tasks
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        result = walk_forward(config, executor)
        times[name] = time.perf_counter() - t0
        heads[name] = [getattr(o, "head", None) for o in result.outcomes]
        per_pid: dict[int, list[float]] = defaultdict(list)
        for line in rss_log.read_text().splitlines():
            rec = json.loads(line)
            per_pid[rec["pid"]].append(rec["peak_mib"])
        done = result.summary["completed"]
        print(
            f"{name:8s} folds={len(result.outcomes)} ok={done} wall={times[name]:.1f}s "
            f"load avg before/after {load:.1f}/{os.getloadavg()[0]:.1f}"
        )
        for pid, peaks in per_pid.items():
            print(f"  worker {pid}: peak RSS MiB after each fold {peaks}")
    if "serial" in times:
        for name, t in times.items():
            if name != "serial":
                print(f"speedup {name} vs serial: {times['serial'] / t:.2f}x")
    same = len({json.dumps(h) for h in heads.values()}) == 1
    print(f"fold heads identical across executors: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
