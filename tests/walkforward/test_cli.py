"""``lineage walk-forward`` and ``lineage audit`` on a walk-forward folder, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.walkforward.errors import FoldError
from engine.walkforward.folds import FoldScheme, make_folds

ARGS = ["--instrument", "ETHBTC.SIM", "--bar", "5-MINUTE", "--param", "model.n_estimators=5"]


def test_cli_runs_audits_and_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.catalog import sample_catalog

    catalog = str(sample_catalog())
    argv = ["walk-forward", "--catalog", catalog, *ARGS, "--train", "7D", "--test", "6D", "--anchored"]
    assert main([*argv, "--embargo", "2h", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    run_dir = Path(out[-1])
    assert run_dir.parent == tmp_path and (run_dir / "walkforward.json").is_file()
    assert any(line.startswith("folds 2/2 completed, 2 computed, 0 reused") for line in out)
    assert main(["audit", str(run_dir)]) == 0
    assert "every fold log verifies and matches" in capsys.readouterr().out
    # too little data: a clear error, exit code 2
    assert main(["walk-forward", "--catalog", catalog, *ARGS, "--train", "15D", "--test", "6D"]) == 2
    assert "too little data" in capsys.readouterr().err
    # overlapping test windows
    assert (
        main(["walk-forward", "--catalog", catalog, *ARGS, "--train", "4D", "--test", "2D", "--step", "1D"])
        == 2
    )
    assert "fold-001: test window" in capsys.readouterr().err
    with pytest.raises(FoldError):
        make_folds("2024-01-01", "2024-01-02", FoldScheme.parse("2D", "1D"))
