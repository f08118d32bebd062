"""XGBoost three-class classifier (hist trees, explicit seed, fixed thread count, UBJ artifact)."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from xgboost import core as xgb_core

from engine.atomic import write_bytes_atomic
from engine.errors import ArtifactError
from strategies.models.base import N_CLASSES, Model, check_X

WEIGHTS_FILE = "model.ubj"


class RowPredictor:
    """One-row predictions through the C entry point ``Booster.inplace_predict`` uses
    (``XGBoosterPredictFromDense``, same arguments: all trees, NaN = missing, probabilities), with
    the input buffer, its array interface and the call's JSON arguments built once: a call copies
    the row into the buffer and reads three floats back. Same trees, same float32 inputs, so the
    same probabilities as ``inplace_predict`` (tested), at a third of its per-call cost."""

    def __init__(self, booster: xgb.Booster, n_features: int) -> None:
        from xgboost._data_utils import array_interface  # private: AttributeError/ImportError if moved

        self._booster = booster  # keeps the handle alive
        self._handle = booster.handle
        self._row = np.zeros((1, n_features), dtype=np.float64)
        self._interface = array_interface(self._row)
        self._args = xgb_core.make_jcargs(
            type=0, training=False, iteration_begin=0, iteration_end=0,
            missing=np.nan, strict_shape=False, cache_id=0,
        )  # fmt: skip
        self._shape = ctypes.POINTER(xgb_core.c_bst_ulong)()
        self._dims = xgb_core.c_bst_ulong()
        self._preds = ctypes.POINTER(ctypes.c_float)()
        self._out = (ctypes.byref(self._shape), ctypes.byref(self._dims), ctypes.byref(self._preds))
        self._call = xgb_core._LIB.XGBoosterPredictFromDense
        self._no_proxy = ctypes.c_void_p()

    def __call__(self, row: np.ndarray) -> tuple[float, float, float]:
        self._row[0] = row
        status = self._call(self._handle, self._interface, self._args, self._no_proxy, *self._out)
        if status != 0:
            xgb_core._check_call(status)  # raises XGBoost's error
        p = self._preds
        return (p[0], p[1], p[2])  # c_float items read as Python floats (float32 -> float64, exact)


class XGBoostModel(Model):
    """Gradient-boosted trees; NaN features are handled natively as missing values."""

    kind = "xgb"
    any_layout = True  # XGBoost reads strided arrays: the column-major feature matrix needs no copy
    # XGBoost rounds every input to float32 as it reads it (float64 arrays included), so a float32
    # feature matrix gives the same probabilities (tested) and reads faster
    input_dtype = np.float32

    def __init__(
        self,
        n_estimators: int = 200,
        max_depth: int = 4,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 20,
        nthread: int = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(
            {
                "n_estimators": int(n_estimators),
                "max_depth": int(max_depth),
                "learning_rate": float(learning_rate),
                "subsample": float(subsample),
                "colsample_bytree": float(colsample_bytree),
                "min_child_weight": float(min_child_weight),
                "reg_lambda": float(reg_lambda),
                "early_stopping_rounds": int(early_stopping_rounds),
                "nthread": int(nthread),
                "seed": int(seed),
            }
        )
        self._booster: xgb.Booster | None = None
        self._row_predictor: Any = None
        self._used: np.ndarray | None = None

    @property
    def used_columns(self) -> np.ndarray | None:
        """The features the trees split on (no tree reads any other)."""
        if self._booster is None:
            return None
        if self._used is None:
            names = self._booster.feature_names
            used = self._booster.get_score(importance_type="weight")  # splits per feature used
            index = (lambda k: names.index(k)) if names else (lambda k: int(k[1:]))  # "f12" -> 12
            self._used = np.array(sorted(map(index, used)), dtype=np.intp)
        return self._used

    def _booster_params(self) -> dict[str, Any]:
        p = self._params
        return {
            "objective": "multi:softprob",
            "num_class": N_CLASSES,
            "tree_method": "hist",
            "eval_metric": "mlogloss",
            "max_depth": p["max_depth"],
            "eta": p["learning_rate"],
            "subsample": p["subsample"],
            "colsample_bytree": p["colsample_bytree"],
            "min_child_weight": p["min_child_weight"],
            "lambda": p["reg_lambda"],
            "nthread": p["nthread"],
            "seed": p["seed"],
            "verbosity": 0,
        }

    def _fit(self, X: np.ndarray, codes: np.ndarray, w: np.ndarray, ev: tuple | None) -> None:
        keep = codes >= 0
        dtrain = xgb.DMatrix(X[keep], label=codes[keep], weight=w[keep], nthread=self._params["nthread"])
        evals = []
        stop = None
        if ev is not None:
            vkeep = ev[1] >= 0
            evals = [(xgb.DMatrix(ev[0][vkeep], label=ev[1][vkeep], nthread=self._params["nthread"]), "eval")]
            stop = self._params["early_stopping_rounds"] or None
        booster = xgb.train(
            self._booster_params(),
            dtrain,
            num_boost_round=self._params["n_estimators"],
            evals=evals,
            early_stopping_rounds=stop,
            verbose_eval=False,
        )
        if stop is not None:
            booster = booster[: booster.best_iteration + 1]  # keep only the trees up to the best round
            booster.set_param({"nthread": self._params["nthread"]})
        self._booster = booster
        self._row_predictor = None
        self._used = None

    def _predict(self, X: np.ndarray) -> np.ndarray:
        assert self._booster is not None
        # inplace_predict: the same trees on the same float32 inputs (NaN = missing) as predicting
        # on a DMatrix, without building one (2-3x faster on big batches and single rows alike;
        # equality is tested in tests/ml/test_fast_path_pieces.py)
        proba = self._booster.inplace_predict(X).reshape(-1, N_CLASSES)
        return proba.astype(np.float64)

    def predict_row(self, rows: np.ndarray) -> tuple[float, float, float]:
        """``predict_proba``'s last row through ``RowPredictor`` (same validation: inf refused in
        the columns the trees read, set to 0.0 in the others)."""
        row = rows[-1]
        if row.shape != (self.n_features,) or np.isinf(row).any():
            row = check_X(rows[-1:], self.n_features, columns=self.used_columns)[0]  # or raises
        if self._row_predictor is None:
            if self._booster is None:
                return super().predict_row(rows)  # raises: not fitted
            try:
                self._row_predictor = RowPredictor(self._booster, int(self.n_features))
            except (AttributeError, ImportError, TypeError):  # another xgboost: its public path
                self._row_predictor = self._public_row_predictor
        return self._row_predictor(row)

    def _public_row_predictor(self, row: np.ndarray) -> tuple[float, float, float]:
        p = self._predict(row.reshape(1, -1))[0]
        return (float(p[0]), float(p[1]), float(p[2]))

    def _save_files(self, directory: Path) -> dict[str, Any]:
        assert self._booster is not None
        write_bytes_atomic(directory / WEIGHTS_FILE, bytes(self._booster.save_raw("ubj")))
        return {}

    def _load_files(self, directory: Path, state: dict[str, Any]) -> None:
        path = directory / WEIGHTS_FILE
        if not path.is_file():
            raise ArtifactError(f"{path}: missing; expected the XGBoost UBJ model")
        booster = xgb.Booster(params={"nthread": self._params["nthread"]})
        try:
            booster.load_model(bytearray(path.read_bytes()))
        except xgb.core.XGBoostError as exc:
            raise ArtifactError(f"{path}: not a readable XGBoost UBJ model ({exc})") from exc
        self._booster = booster
        self._row_predictor = None
        self._used = None
