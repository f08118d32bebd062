"""Causal features (batch and streaming), labels and look-ahead analysis. See README.md."""

from indicators.batch import compute_features, feature_matrix
from indicators.errors import FeatureError
from indicators.labels import forward_return_labels, triple_barrier_labels
from indicators.lookahead import LookaheadReport, decision_lookahead, feature_lookahead
from indicators.spec import FeatureSet, FeatureSpec
from indicators.streaming import StreamingFeatures
from indicators.warmup import WarmupReport, warmup_analysis

__all__ = [
    "FeatureError",
    "FeatureSet",
    "FeatureSpec",
    "LookaheadReport",
    "StreamingFeatures",
    "WarmupReport",
    "compute_features",
    "decision_lookahead",
    "feature_lookahead",
    "feature_matrix",
    "forward_return_labels",
    "triple_barrier_labels",
    "warmup_analysis",
]
