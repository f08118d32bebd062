"""Demo: train XGBoost on the first ~70% of ETH/BTC 5-minute bars, trade the unseen ~30%.

Copy and edit freely. Run from the repo root:  python runs/demo_ml.py [OUT_DIR]
Prints the ML run's and buy-and-hold's summaries, the audit verdict and the run directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.demo import run_demo  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs") / "demo-ml"
    result = run_demo(out)
    print(
        f"model {result['model']} trained to {result['train_end']}; unseen window "
        f"{result['test_start']} .. {result['test_end']}"
    )
    print("\n== XGBoost strategy (warm-up, then the unseen window) ==")
    print(result["ml_summary"].rstrip())
    print("\n== Buy and hold (the unseen window) ==")
    print(result["buy_and_hold_summary"].rstrip())
    print(
        f"\naudit: {'OK' if result['audit_ok'] else 'FAILED'}; decisions {result['audit_checked']['decisions']}"
    )
    print(result["ml_run_dir"])
    return 0 if result["audit_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
