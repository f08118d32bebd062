"""``QAgent``: an online deep Q-learning trader (epsilon-greedy, replay, target network, double DQN).

Call ``act(state)`` on each decision and ``observe(reward, next_state, done)`` once its outcome is
known; every ``learn_every`` observations it runs one Adam step on a replay batch (Huber loss, gradient
norm clipped) and every ``target_sync`` learning steps it copies the online network to the target.
All randomness comes from the agent's seed: weight init and scar perturbations from ``torch.Generator``
objects, exploration and replay sampling from ``np.random.Generator`` objects. Nothing global is used.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from engine.errors import ArtifactError
from strategies.agents.qnet import QNetwork, get_flat, set_flat, weights_digest
from strategies.agents.replay import ReplayBuffer
from strategies.agents.state import AGENT_FEATURES
from strategies.scars import AgentCondition, Scar

#: Default actions as target exposures (fraction of equity, negative = short); None = hold (keep position).
DEFAULT_ACTIONS: tuple[float | None, ...] = (None, 0.0, 0.5, 1.0, -0.5, -1.0)
ACTION_LABELS = ("hold", "flat", "long_0.5", "long_1.0", "short_0.5", "short_1.0")


@dataclass(frozen=True)
class AgentConfig:
    """Hyper-parameters of a ``QAgent`` (``n_features`` market features; 4 agent features are appended)."""

    n_features: int
    hidden: tuple[int, ...] = (32, 32)
    actions: tuple[float | None, ...] = DEFAULT_ACTIONS
    gamma: float = 0.5
    lr: float = 1e-3
    batch_size: int = 32
    buffer_size: int = 10_000
    learn_every: int = 2
    learn_start: int = 200
    target_sync: int = 100
    eps_start: float = 1.0
    eps_end: float = 0.05
    eps_decay_steps: float = 800.0
    grad_clip: float = 1.0
    huber_delta: float = 1.0

    @property
    def state_dim(self) -> int:
        return self.n_features + len(AGENT_FEATURES)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AgentConfig:
        data = json.loads(text)
        data["hidden"] = tuple(data["hidden"])
        data["actions"] = tuple(data["actions"])
        return cls(**data)


def child_seed(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``seed`` at ``key`` (pure: does not advance ``seed``'s spawn counter)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *key))


def _torch_generator(seed: np.random.SeedSequence) -> torch.Generator:
    hi, lo = seed.generate_state(2, np.uint32)
    return torch.Generator().manual_seed((int(hi) << 31) ^ int(lo))


class QAgent:
    """One learning agent; ``seed`` is an int or ``SeedSequence``, ``weights`` an optional flat vector."""

    def __init__(
        self,
        agent_id: str,
        config: AgentConfig,
        seed: int | np.random.SeedSequence,
        weights: np.ndarray | None = None,
    ) -> None:
        self.agent_id = agent_id
        self.config = config
        self.seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        n_actions = len(config.actions)
        self.online = QNetwork(
            config.state_dim, config.hidden, n_actions, _torch_generator(child_seed(self.seed, 0))
        )
        if weights is not None:
            set_flat(self.online, weights)
        self.target = QNetwork(config.state_dim, config.hidden, n_actions, torch.Generator().manual_seed(0))
        self.target.load_state_dict(self.online.state_dict())
        self.target.requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=config.lr, fused=True)
        self._explore = np.random.default_rng(child_seed(self.seed, 1))
        self.replay = ReplayBuffer(
            config.buffer_size, config.state_dim, np.random.default_rng(child_seed(self.seed, 2))
        )
        self.condition = AgentCondition(agent_id=agent_id)
        self.steps = 0
        self.updates = 0
        self._last: tuple[np.ndarray, int] | None = None
        self._np_layers: list[tuple[np.ndarray, np.ndarray]] | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_np_layers"] = None  # numpy views of parameters: rebuilt after unpickling
        return state

    # -- acting -------------------------------------------------------------------------------------
    @property
    def epsilon(self) -> float:
        """Decayed epsilon plus the exploration boost of the agent's scars (capped at 1)."""
        c = self.config
        base = c.eps_end + (c.eps_start - c.eps_end) * math.exp(-self.steps / c.eps_decay_steps)
        return min(1.0, base + self.condition.exploration_boost)

    def q_values(self, state: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.online(torch.from_numpy(np.asarray(state, dtype=np.float32))[None])[0].numpy()

    def fast_q_values(self, state: np.ndarray) -> np.ndarray:
        """Q-values of one state in numpy over views of the online weights (no torch call overhead;
        equal to ``q_values`` up to float rounding)."""
        if self._np_layers is None:
            self._np_layers = self.online.numpy_layers()
        x = np.asarray(state, dtype=np.float32)
        last = len(self._np_layers) - 1
        for i, (w, b) in enumerate(self._np_layers):
            x = x @ w + b
            if i < last:
                np.maximum(x, 0.0, out=x)
        return x

    def act(self, state: np.ndarray, greedy: bool = False) -> int:
        """Choose an action index for ``state`` (epsilon-greedy unless ``greedy``)."""
        if not greedy and self._explore.random() < self.epsilon:
            action = int(self._explore.integers(len(self.config.actions)))
        else:
            action = int(np.argmax(self.fast_q_values(state)))
        self._last = (np.asarray(state, dtype=np.float32), action)
        return action

    # -- learning -----------------------------------------------------------------------------------
    def observe(self, reward: float, next_state: np.ndarray, done: bool) -> float | None:
        """Record the outcome of the last action; learns when due and returns the loss if it did."""
        if self._last is None:
            return None
        state, action = self._last
        self.replay.add(state, action, reward, next_state, done)
        self._last = None
        self.steps += 1
        c = self.config
        if self.steps % c.learn_every == 0 and len(self.replay) >= max(c.learn_start, c.batch_size):
            return self.learn()
        return None

    def release_memory(self) -> None:
        """Drop the replay memory and optimiser state (a dead agent never learns again; keeps a long
        evolution's memory bounded by the living population)."""
        self.replay = ReplayBuffer(1, self.config.state_dim, self.replay._rng)
        self.optimizer.state.clear()

    def forget_last(self) -> None:
        """Drop the pending decision (e.g. the agent was paused or died before its outcome)."""
        self._last = None

    def learn(self) -> float:
        """One gradient step on a replay batch; returns the Huber loss."""
        c = self.config
        s, a, r, s2, d = (torch.from_numpy(x) for x in self.replay.sample(c.batch_size))
        n = len(a)
        q_both = self.online(torch.cat((s, s2)))  # one forward for both halves
        q = q_both[:n].gather(1, a[:, None])[:, 0]
        with torch.no_grad():
            best = q_both[n:].argmax(dim=1, keepdim=True)  # double DQN: online picks, target values
            target = r + c.gamma * (1.0 - d) * self.target(s2).gather(1, best)[:, 0]
        loss = nn.functional.huber_loss(q, target, delta=c.huber_delta)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.online.parameters(), c.grad_clip, foreach=True)
        self.optimizer.step()
        self.updates += 1
        if self.updates % c.target_sync == 0:
            self.sync_target()
        return float(loss.detach())

    def sync_target(self) -> None:
        self.target.load_state_dict(self.online.state_dict())

    # -- scars --------------------------------------------------------------------------------------
    def apply_scar(self, scar: Scar) -> None:
        """Take a scar: update the condition from its event and perturb weights by its effect's std."""
        self.condition = self.condition.apply("Scar", scar.to_event())
        std = scar.effects.weight_perturbation_std
        if std > 0:
            gen = _torch_generator(child_seed(self.seed, 3, scar.ordinal))
            with torch.no_grad():
                for p in self.online.parameters():
                    p.add_(torch.randn(p.shape, generator=gen) * std)

    # -- weights ------------------------------------------------------------------------------------
    def get_flat(self) -> np.ndarray:
        return get_flat(self.online)

    def set_flat(self, vector: np.ndarray) -> None:
        set_flat(self.online, vector)
        self.sync_target()

    def weights_digest(self) -> str:
        return weights_digest(self.get_flat())

    @property
    def weights_nbytes(self) -> int:
        return sum(p.numel() * p.element_size() for p in self.online.parameters())

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.online.state_dict().items()}

    def save(self, path: str | Path, extra_metadata: dict[str, str] | None = None) -> Path:
        """Write the online weights and config as safetensors, atomically (temp file + rename);
        ``extra_metadata`` (string values) is stored beside the config (e.g. the feature scaling)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            meta = {
                "agent_id": self.agent_id,
                "config": self.config.to_json(),
                "digest": self.weights_digest(),
                **(extra_metadata or {}),
            }
            save_file(self.state_dict(), tmp, metadata=meta)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

    @staticmethod
    def metadata(path: str | Path) -> dict[str, str]:
        """The string metadata stored by ``save`` (config, digest and any extra entries)."""
        try:
            with safe_open(str(path), framework="pt") as f:
                return dict(f.metadata() or {})
        except (OSError, SafetensorError) as exc:
            raise ArtifactError(f"{path}: not a readable safetensors file: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path, seed: int | np.random.SeedSequence) -> QAgent:
        """Rebuild an agent from ``save`` output (fresh optimizer and replay memory)."""
        path = Path(path)
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
            tensors = load_file(str(path))
            config = AgentConfig.from_json(meta["config"])
        except (OSError, KeyError, ValueError, SafetensorError) as exc:
            raise ArtifactError(
                f"{path}: not a saved QAgent (safetensors with 'config' metadata): {exc}"
            ) from exc
        agent = cls(meta.get("agent_id", path.stem), config, seed)
        try:
            agent.online.load_state_dict(tensors)
        except RuntimeError as exc:
            raise ArtifactError(f"{path}: weights do not match the stored config: {exc}") from exc
        agent.sync_target()
        if meta.get("digest") and agent.weights_digest() != meta["digest"]:
            raise ArtifactError(f"{path}: weights digest {agent.weights_digest()} != stored {meta['digest']}")
        return agent
