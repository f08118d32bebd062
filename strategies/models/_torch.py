"""Shared machinery of the PyTorch classifiers: determinism scope, scaling, training, safetensors I/O."""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import nn

from engine.atomic import write_bytes_atomic
from engine.errors import ArtifactError, LineageError
from strategies.models.base import N_CLASSES, Model, check_X

WEIGHTS_FILE = "weights.safetensors"


@contextlib.contextmanager
def deterministic_torch(seed: int, num_threads: int) -> Iterator[torch.Generator]:
    """Scope: seeded global torch RNG (restored after), deterministic algorithms, fixed threads."""
    prev_det = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    prev_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(num_threads)
        try:
            yield torch.Generator().manual_seed(seed)
        finally:
            torch.use_deterministic_algorithms(prev_det, warn_only=prev_warn)
            torch.set_num_threads(prev_threads)


@contextlib.contextmanager
def torch_threads(num_threads: int) -> Iterator[None]:
    """Scope: torch's intra-op thread count set to ``num_threads`` (restored after)."""
    prev = torch.get_num_threads()
    if prev != num_threads:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        if prev != num_threads:
            torch.set_num_threads(prev)


def fit_scaler(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean/std ignoring NaN; constant or all-NaN columns get mean 0 / std 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        mean = np.nanmean(X, axis=0)
        std = np.nanstd(X, axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
    return mean.astype(np.float64), std.astype(np.float64)


def standardise(X: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(X - mean) / std elementwise, NaN imputed as 0 afterwards; float32 for the network."""
    Z = (X - mean) / std
    Z[np.isnan(Z)] = 0.0
    return Z.astype(np.float32)


class TorchModel(Model):
    """Base of the torch classifiers: subclasses build the net and shape samples from rows."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._net: nn.Module | None = None
        self._mean: np.ndarray | None = None
        self._std: np.ndarray | None = None
        self.best_epoch: int | None = None

    # subclasses ------------------------------------------------------------------------
    def _build_net(self, n_features: int) -> nn.Module:
        raise NotImplementedError

    def _samples(self, Z: np.ndarray) -> torch.Tensor:
        """Samples for rows ``window-1 ..`` of standardised ``Z`` (first axis = sample)."""
        raise NotImplementedError

    # training --------------------------------------------------------------------------
    def _class_weights(self, codes: np.ndarray, w: np.ndarray) -> np.ndarray:
        cw = self._params.get("class_weight")
        if cw is None:
            return np.ones(N_CLASSES)
        if cw == "balanced":
            totals = np.array([w[codes == k].sum() for k in range(N_CLASSES)])
            present = totals > 0
            out = np.ones(N_CLASSES)
            out[present] = totals[present].sum() / (present.sum() * totals[present])
            return out
        arr = np.asarray(cw, dtype=np.float64)
        if arr.shape != (N_CLASSES,) or not (np.isfinite(arr).all() and (arr > 0).all()):
            raise LineageError(
                f"{self.kind}: class_weight is {cw!r}; expected None, 'balanced' or 3 positive numbers "
                "(sell, neutral, buy)"
            )
        return arr

    def _fit(self, X: np.ndarray, codes: np.ndarray, w: np.ndarray, ev: tuple | None) -> None:
        p = self._params
        first = self.window - 1
        self._mean, self._std = fit_scaler(X)
        with deterministic_torch(p["seed"], p["num_threads"]) as gen:
            net = self._build_net(X.shape[1])
            S = self._samples(standardise(X, self._mean, self._std))
            yk = codes[first:]
            keep = torch.from_numpy(np.flatnonzero(yk >= 0))
            cw = self._class_weights(yk[yk >= 0], w[first:][yk >= 0])
            sw = torch.from_numpy(
                (w[first:] * np.where(yk >= 0, cw[np.maximum(yk, 0)], 0.0)).astype(np.float32)
            )
            yt = torch.from_numpy(np.maximum(yk, 0))
            val = None
            if ev is not None and ev[0].shape[0] > first:
                vS = self._samples(standardise(ev[0], self._mean, self._std))
                vy = ev[1][first:]
                vkeep = torch.from_numpy(np.flatnonzero(vy >= 0))
                if len(vkeep):
                    val = (vS[vkeep], torch.from_numpy(vy)[vkeep])
            opt = torch.optim.Adam(net.parameters(), lr=p["learning_rate"], weight_decay=p["weight_decay"])
            best = (float("inf"), copy.deepcopy(net.state_dict()), 0)
            stale = 0
            for epoch in range(p["max_epochs"]):
                net.train()
                order = keep[torch.randperm(len(keep), generator=gen)]
                for start in range(0, len(order), p["batch_size"]):
                    idx = order[start : start + p["batch_size"]]
                    loss_each = nn.functional.cross_entropy(net(S[idx]), yt[idx], reduction="none")
                    loss = (loss_each * sw[idx]).sum() / sw[idx].sum().clamp_min(1e-12)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                if val is None:
                    continue
                net.eval()
                with torch.no_grad():
                    vloss = float(nn.functional.cross_entropy(net(val[0]), val[1]))
                if vloss < best[0]:
                    best, stale = (vloss, copy.deepcopy(net.state_dict()), epoch + 1), 0
                else:
                    stale += 1
                    if stale >= p["patience"]:
                        break
            if val is not None:
                net.load_state_dict(best[1])
                self.best_epoch = best[2]
            else:
                self.best_epoch = p["max_epochs"]
            net.eval()
        self._net = net

    # inference -------------------------------------------------------------------------
    def _predict(self, X: np.ndarray) -> np.ndarray:
        assert self._net is not None and self._mean is not None and self._std is not None
        S = self._samples(standardise(X, self._mean, self._std))
        out = np.empty((S.shape[0], N_CLASSES), dtype=np.float64)
        with deterministic_torch(self._params["seed"], self._params["num_threads"]), torch.no_grad():
            # Row by row in a fixed (1, ...) shape: each row's floats never depend on its batch
            # neighbours or the batch size, so batched and streaming predictions agree bit-for-bit.
            # (A batched forward differs in the last bits from single rows: measured up to 6e-8
            # in float32 and 2e-16 in float64 on CPU, so float64 alone would not do.)
            for i in range(S.shape[0]):
                logits = self._net(S[i : i + 1]).double()
                out[i] = torch.softmax(logits, dim=1)[0].numpy()
        return out

    def predict_row(self, rows: np.ndarray) -> tuple[float, float, float]:
        """``predict_proba``'s last row, computed as ``_predict`` computes every row (same
        standardisation, same (1, ...) sample, same forward pass and softmax) without the batch
        scope: inference uses no random numbers and no op whose CPU kernel the deterministic-
        algorithms switch changes (toggling it costs ~1.5 ms), so only the thread count is set.
        Equality with ``predict_proba`` is tested row by row."""
        assert self._net is not None and self._mean is not None and self._std is not None
        X = rows[-self.window :]
        if X.shape != (self.window, self.n_features) or np.isinf(X).any():
            check_X(X, self.n_features)  # raises, naming the problem
            return super().predict_row(rows)  # too few rows: NaN, as predict_proba gives
        sample = self._samples(standardise(X, self._mean, self._std))
        with torch_threads(self._params["num_threads"]), torch.inference_mode():
            logits = self._net(sample).double()
            return tuple(torch.softmax(logits, dim=1)[0].tolist())

    # artifact --------------------------------------------------------------------------
    def _save_files(self, directory: Path) -> dict[str, Any]:
        assert self._net is not None and self._mean is not None and self._std is not None
        tensors = {f"net.{k}": v.detach().contiguous() for k, v in self._net.state_dict().items()}
        tensors["scaler.mean"] = torch.from_numpy(self._mean.copy())
        tensors["scaler.std"] = torch.from_numpy(self._std.copy())
        write_bytes_atomic(directory / WEIGHTS_FILE, st_save(tensors))
        return {"best_epoch": self.best_epoch}

    def _load_files(self, directory: Path, state: dict[str, Any]) -> None:
        path = directory / WEIGHTS_FILE
        if not path.is_file():
            raise ArtifactError(f"{path}: missing; expected safetensors weights")
        try:
            tensors = st_load(path.read_bytes())
        except Exception as exc:  # safetensors raises its own error types
            raise ArtifactError(f"{path}: not a readable safetensors file ({exc})") from exc
        for key in ("scaler.mean", "scaler.std"):
            if key not in tensors:
                raise ArtifactError(f"{path}: tensor {key!r} missing")
        self._mean = tensors.pop("scaler.mean").numpy().astype(np.float64)
        self._std = tensors.pop("scaler.std").numpy().astype(np.float64)
        net = self._build_net(int(self.n_features or 0))
        state_dict = {k.removeprefix("net."): v for k, v in tensors.items()}
        try:
            net.load_state_dict(state_dict, strict=True)
        except RuntimeError as exc:
            raise ArtifactError(f"{path}: weights do not fit the {self.kind} network ({exc})") from exc
        net.eval()
        self._net = net
        self.best_epoch = state.get("best_epoch")


def torch_defaults(**overrides: Any) -> dict[str, Any]:
    """Training parameters shared by the torch models."""
    base = {
        "learning_rate": 1e-3,
        "weight_decay": 0.0,
        "batch_size": 256,
        "max_epochs": 30,
        "patience": 5,
        "class_weight": None,
        "num_threads": 1,
        "seed": 0,
    }
    base.update(overrides)
    return base
