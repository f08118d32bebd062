"""Walk-forward analysis: folds -> train -> trade the next unseen window -> stitch, on an executor.

See docs/walk-forward.md.
"""

from engine.walkforward.audit import WalkForwardAudit, audit_walk_forward
from engine.walkforward.errors import FoldError, WalkForwardError
from engine.walkforward.executors import (
    EXECUTORS,
    ProcessExecutor,
    RayExecutor,
    SerialExecutor,
    make_executor,
)
from engine.walkforward.fold_task import FoldFailure, FoldOutput, FoldResult, FoldTask, fold_seeds, run_fold
from engine.walkforward.folds import Fold, FoldScheme, make_folds, train_mask
from engine.walkforward.runner import (
    WalkForwardConfig,
    WalkForwardResult,
    is_walk_forward_dir,
    plan,
    walk_forward,
)
from engine.walkforward.search_space import DEFAULT_SPACES, SearchConfig, load_space
from engine.walkforward.stats import deflated_sharpe_ratio, pbo_cscv, probabilistic_sharpe_ratio

__all__ = [
    "DEFAULT_SPACES",
    "EXECUTORS",
    "Fold",
    "FoldError",
    "FoldFailure",
    "FoldOutput",
    "FoldResult",
    "FoldScheme",
    "FoldTask",
    "ProcessExecutor",
    "RayExecutor",
    "SearchConfig",
    "SerialExecutor",
    "WalkForwardAudit",
    "WalkForwardConfig",
    "WalkForwardError",
    "WalkForwardResult",
    "audit_walk_forward",
    "deflated_sharpe_ratio",
    "fold_seeds",
    "is_walk_forward_dir",
    "load_space",
    "make_executor",
    "make_folds",
    "pbo_cscv",
    "plan",
    "probabilistic_sharpe_ratio",
    "run_fold",
    "train_mask",
    "walk_forward",
]
