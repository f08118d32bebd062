"""Classification metrics of a three-class (sell, neutral, buy) model on labelled rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from strategies.models import CLASS_LABELS

CLASS_NAMES = ("sell", "neutral", "buy")


def score(proba: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Accuracy, log loss, per-class F1 and directional accuracy over rows with finite probabilities.

    Directional accuracy: among rows predicted sell or buy, the fraction whose label has that
    direction (``directional_rows`` says how many rows were predicted directional).
    """
    proba = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(proba).all(axis=1) & np.isfinite(y)
    p, labels = proba[ok], y[ok].astype(np.int64)
    n = len(labels)
    if n == 0:
        return {"rows": 0}
    codes = labels + 1
    pred = np.argmax(p, axis=1)
    eps = 1e-15
    clipped = np.clip(p, eps, 1.0)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    out: dict[str, Any] = {
        "rows": n,
        "accuracy": float((pred == codes).mean()),
        "log_loss": float(-np.log(clipped[np.arange(n), codes]).mean()),
    }
    f1 = {}
    for k, name in enumerate(CLASS_NAMES):
        tp = int(((pred == k) & (codes == k)).sum())
        fp = int(((pred == k) & (codes != k)).sum())
        fn = int(((pred != k) & (codes == k)).sum())
        f1[name] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    out["f1"] = f1
    directional = pred != CLASS_LABELS.index(0)
    out["directional_rows"] = int(directional.sum())
    out["directional_accuracy"] = (
        float((pred[directional] == codes[directional]).mean()) if directional.any() else None
    )
    out["class_counts"] = {name: int((codes == k).sum()) for k, name in enumerate(CLASS_NAMES)}
    return out
