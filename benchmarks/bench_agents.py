"""Benchmark of the Q-learning agents: decision latency, training step, memory, population scaling.

Run: ``python benchmarks/bench_agents.py`` (single torch thread; figures vary with machine load).
Targets: decision p99 < 1 ms, training step (batch 32) < 5 ms, weights < 1 MB per agent, per-agent
cost growth from 1 to 100 agents < 10%.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strategies.agents import AgentConfig, QAgent
from strategies.agents.batched import BatchedQ

N_FEATURES = 16


def _timings(fn, n: int, clock=time.perf_counter_ns) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        t0 = clock()
        fn()
        out[i] = clock() - t0
    return out / 1e6  # ms


def _report(label: str, fn, n: int) -> None:
    """Wall-clock and thread-CPU percentiles: on a loaded machine the wall p99 is mostly time spent
    waiting for a core; the CPU-time p99 is the code's own cost."""
    wall = _timings(fn, n)
    cpu = _timings(fn, n, time.thread_time_ns)
    print(
        f"{label}: wall p50 {np.percentile(wall, 50):.3f} ms, p99 {np.percentile(wall, 99):.3f} ms; "
        f"thread CPU p50 {np.percentile(cpu, 50):.3f} ms, p99 {np.percentile(cpu, 99):.3f} ms"
    )


def main() -> None:
    torch.set_num_threads(1)
    cfg = AgentConfig(n_features=N_FEATURES, learn_start=32)
    rng = np.random.default_rng(0)
    agent = QAgent("bench", cfg, 0)
    states = rng.standard_normal((5000, cfg.state_dim)).astype(np.float32)
    for s in states[:500]:
        agent.act(s)
        agent.observe(float(rng.standard_normal()), s, False)
    it = iter(range(10**9))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    decide = lambda: agent.act(states[next(it) % 5000], greedy=True)  # noqa: E731
    _report("decision latency (1 agent, greedy)", decide, 5000)
    _report(f"training step (batch {cfg.batch_size})", agent.learn, 1000)
    replay = sum(
        getattr(agent.replay, k).nbytes for k in ("states", "next_states", "actions", "rewards", "dones")
    )
    print(
        f"memory per agent: weights {agent.weights_nbytes} bytes ({agent.weights_nbytes / 1024:.1f} KiB), "
        f"replay buffer {replay / 1024:.0f} KiB ({cfg.buffer_size} transitions)"
    )

    agents = [QAgent(f"a{i}", cfg, i) for i in range(100)]
    print("population scaling (ms per agent-decision, median of 5 rounds of 200 bars):")
    base_seq = base_bat = None
    for n in (1, 10, 50, 100):
        group = agents[:n]
        batched = BatchedQ.from_agents(group)
        bars = rng.standard_normal((200, n, cfg.state_dim)).astype(np.float32)

        def seq(group=group, bars=bars):
            for b in bars:
                for a, s in zip(group, b, strict=True):
                    a.act(s, greedy=True)

        def bat(batched=batched, bars=bars):
            for b in bars:
                batched.act(b)

        t_seq = float(np.median(_timings(seq, 5))) / (200 * n)
        t_bat = float(np.median(_timings(bat, 5))) / (200 * n)
        base_seq = base_seq or t_seq
        base_bat = base_bat or t_bat
        print(
            f"  N={n:3d}: sequential {t_seq * 1e3:7.1f} us/agent ({(t_seq / base_seq - 1) * 100:+5.1f}%), "
            f"batched bmm {t_bat * 1e3:7.1f} us/agent ({(t_bat / base_bat - 1) * 100:+6.1f}%)"
        )


if __name__ == "__main__":
    main()
