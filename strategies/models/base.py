"""The ``Model`` interface every Lineage classifier implements, and shared input checks.

Labels are -1/0/+1 (sell/neutral/buy). ``predict_proba`` ALWAYS returns columns in the order
``CLASS_LABELS`` = (sell, neutral, buy), even when a class was absent from the training data.
"""

from __future__ import annotations

import json
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from engine.atomic import write_bytes_atomic
from engine.errors import ArtifactError, DataValidationError
from strategies.models.artifact import canonical_json, tree_digest

CLASS_LABELS: tuple[int, int, int] = (-1, 0, 1)
"""Label of each ``predict_proba`` column: sell, neutral, buy."""
N_CLASSES = 3
MODEL_JSON = "model.json"

EvalSet = tuple[np.ndarray, np.ndarray]


def check_X(
    X: Any,
    n_features: int | None = None,
    name: str = "X",
    contiguous: bool = True,
    float32_ok: bool = False,
    columns: np.ndarray | None = None,
) -> np.ndarray:
    """Return ``X`` as a float64 (n_rows, n_features) array, C-contiguous unless ``contiguous`` is
    False (then in its own layout); NaN allowed, inf refused. With ``float32_ok`` a float32 array
    stays float32 (for a model whose ``input_dtype`` is float32). With ``columns`` (the columns a
    model reads, ``Model.used_columns``) inf is refused only there; any elsewhere is replaced by 0.0
    in a copy, so the model sees the same input however those unread columns were filled."""
    keep = float32_ok and isinstance(X, np.ndarray) and X.dtype == np.float32
    arr = X if keep else np.asarray(X, dtype=np.float64)
    if contiguous:
        arr = np.ascontiguousarray(arr)
    if arr.ndim != 2:
        raise DataValidationError(f"{name}: expected a 2-D array (n_rows, n_features), got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise DataValidationError(
            f"{name}: expected {n_features} feature columns (as in training), got {arr.shape[1]}"
        )
    at = first_infinite(arr)
    if at is not None and columns is not None:
        at = first_infinite(arr, columns)
        if at is None:  # infinities only in columns the model does not read
            arr = arr.copy(order="K")
            arr[np.isinf(arr)] = 0.0
    if at is not None:
        row, col = at
        raise DataValidationError(
            f"{name}: row {row}, column {col} is infinite; expected a finite value or NaN"
        )
    return arr


_CHECK_ROWS = 1 << 15


def first_infinite(arr: np.ndarray, columns: np.ndarray | None = None) -> tuple[int, int] | None:
    """(row, column) of the first infinite value of a 2-D array in row order (among ``columns``
    only, if given), or None; checked ``_CHECK_ROWS`` rows at a time (no boolean copy of a whole
    large matrix)."""
    for start in range(0, arr.shape[0], _CHECK_ROWS):
        block = arr[start : start + _CHECK_ROWS]
        bad = np.isinf(block if columns is None else block[:, columns])
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            return start + row, col if columns is None else int(columns[col])
    return None


def encode_labels(y: Any, n_rows: int, name: str = "y") -> np.ndarray:
    """Map labels -1/0/+1 to class codes 0/1/2; NaN (unlabelled rows) becomes -1 (skipped in training)."""
    arr = np.asarray(y, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n_rows:
        raise DataValidationError(f"{name}: expected {n_rows} labels (one per row of X), got {arr.shape[0]}")
    labelled = ~np.isnan(arr)
    ok = np.isin(arr, CLASS_LABELS) | ~labelled
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise DataValidationError(f"{name}: row {row} has label {arr[row]!r}; expected -1, 0, +1 or NaN")
    codes = np.full(n_rows, -1, dtype=np.int64)
    codes[labelled] = arr[labelled].astype(np.int64) + 1
    return codes


def check_weights(sample_weight: Any, n_rows: int) -> np.ndarray:
    """Return per-row weights (ones when None); negative or non-finite weights are refused."""
    if sample_weight is None:
        return np.ones(n_rows, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != n_rows:
        raise DataValidationError(f"sample_weight: expected {n_rows} weights, got {w.shape[0]}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataValidationError(f"sample_weight: row {row} is {w[row]!r}; expected a finite value >= 0")
    return w


class Model(ABC):
    """A three-class classifier over time-ordered feature rows.

    ``X`` is float64 (n_rows, n_features) in time order. Row ``i`` of ``predict_proba`` uses rows
    ``i-window+1 .. i``; rows without enough history get NaN probabilities. Columns are
    ``CLASS_LABELS`` = (sell, neutral, buy). ``save``/``load`` use safe formats only (no pickle).

    Row invariance: every implementation returns bit-for-bit the same floats for a row whether it
    is predicted in a large batch or alone with its ``window - 1`` rows of history, so a batched
    historical fast path and a streaming live strategy make identical decisions.
    """

    kind: ClassVar[str]
    any_layout: ClassVar[bool] = False
    """True when ``_predict`` takes any memory layout (e.g. the column-major feature matrix) as is."""
    input_dtype: ClassVar[type] = np.float64
    """The precision inference reads features in. float32 means the model rounds every feature to
    float32 (to nearest) before using it, so features already rounded give the same predictions:
    ``predict_proba`` then takes a float32 matrix as is (half the memory of float64)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self._params = dict(params)
        self._digest: str | None = None
        self.n_features: int | None = None

    @property
    def used_columns(self) -> np.ndarray | None:
        """Sorted indices of the feature columns the fitted model's predictions depend on, or None
        for all of them. Values in other columns never change a prediction (and infinities there
        are not refused), so a batch may leave those columns uncomputed (``feature_matrix``)."""
        return None

    @property
    def params(self) -> dict[str, Any]:
        """Constructor parameters (JSON-able), enough to rebuild an untrained twin."""
        return dict(self._params)

    @property
    def seed(self) -> int:
        """The seed that makes training reproducible."""
        return int(self._params.get("seed", 0))

    @property
    def window(self) -> int:
        """Rows of history one prediction needs (1 for tabular models)."""
        return 1

    @property
    def is_fitted(self) -> bool:
        return self.n_features is not None

    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: EvalSet | None = None) -> Self:
        """Train on ``X``/``y`` (labels -1/0/+1, NaN = unlabelled); early-stop on ``eval_set``."""
        Xa = check_X(X)
        codes = encode_labels(y, Xa.shape[0])
        w = check_weights(sample_weight, Xa.shape[0])
        ev = None
        if eval_set is not None:
            Xv = check_X(eval_set[0], Xa.shape[1], name="eval_set X")
            ev = (Xv, encode_labels(eval_set[1], Xv.shape[0], name="eval_set y"))
        self._digest = None
        self._fit(Xa, codes, w, ev)
        self.n_features = Xa.shape[1]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities (n_rows, 3) float64, columns (sell, neutral, buy); NaN rows lack history."""
        if not self.is_fitted:
            raise ArtifactError(f"{self.kind} model: predict_proba called before fit/load")
        Xa = check_X(
            X,
            self.n_features,
            contiguous=not self.any_layout,
            float32_ok=self.input_dtype == np.float32,
            columns=self.used_columns,
        )
        out = np.full((Xa.shape[0], N_CLASSES), np.nan, dtype=np.float64)
        first = self.window - 1
        if Xa.shape[0] > first:
            out[first:] = self._predict(Xa)
        return out

    def predict_row(self, rows: np.ndarray) -> tuple[float, float, float]:
        """Probabilities of the last row of ``rows`` (float64 (n >= window, n_features), its
        history before it) as Python floats: ``tuple(predict_proba(rows)[-1].tolist())``, bit for
        bit. Streaming strategies call it once per bar; models override it to skip batch set-up."""
        return tuple(self.predict_proba(rows[-self.window :])[-1].tolist())

    def save(self, directory: str | Path) -> Path:
        """Write the artifact into ``directory`` (created): ``model.json`` plus the weights files."""
        if not self.is_fitted:
            raise ArtifactError(f"{self.kind} model: cannot save an unfitted model")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = self._save_files(directory)
        doc = {"kind": self.kind, "params": self.params, "n_features": self.n_features, "state": state}
        write_bytes_atomic(directory / MODEL_JSON, canonical_json(doc) + b"\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """Rebuild a fitted model from a directory written by ``save``."""
        directory = Path(directory)
        doc = read_model_json(directory)
        if doc["kind"] != cls.kind:
            raise ArtifactError(
                f"{directory / MODEL_JSON}: field 'kind' is {doc['kind']!r}; expected {cls.kind!r}"
            )
        model = cls(**doc["params"])
        model.n_features = int(doc["n_features"])
        model._load_files(directory, doc.get("state") or {})
        return model

    @property
    def digest(self) -> str:
        """sha256 of the saved artifact's bytes (stable: same weights => same digest)."""
        if self._digest is None:
            with tempfile.TemporaryDirectory(prefix="lineage-digest-") as tmp:
                self.save(tmp)
                self._digest = tree_digest(Path(tmp))
        return self._digest

    # -- implementation hooks -------------------------------------------------------------
    @abstractmethod
    def _fit(self, X: np.ndarray, codes: np.ndarray, w: np.ndarray, ev: tuple | None) -> None: ...

    @abstractmethod
    def _predict(self, X: np.ndarray) -> np.ndarray:
        """Probabilities for rows ``window-1 ..`` of ``X`` (shape (n - window + 1, 3))."""

    @abstractmethod
    def _save_files(self, directory: Path) -> dict[str, Any]:
        """Write weights files; return extra JSON-able state for ``model.json``."""

    @abstractmethod
    def _load_files(self, directory: Path, state: dict[str, Any]) -> None: ...


def read_model_json(directory: Path) -> dict[str, Any]:
    """Read and sanity-check ``model.json`` of an artifact directory."""
    path = Path(directory) / MODEL_JSON
    if not path.is_file():
        raise ArtifactError(f"{path}: missing; expected the model descriptor written by Model.save")
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: not valid JSON ({exc}); expected the model descriptor") from exc
    for field in ("kind", "params", "n_features"):
        if field not in doc:
            raise ArtifactError(f"{path}: field {field!r} missing")
    return doc
