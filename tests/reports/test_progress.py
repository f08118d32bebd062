"""progress(): quiet unless stderr is a terminal or it is forced; configure_logging levels."""

from __future__ import annotations

import logging

from engine.progress import configure_logging, nautilus_logging_config, progress


def test_progress_is_quiet_in_tests_but_iterates(capsys) -> None:
    assert list(progress(range(5), "bars")) == [0, 1, 2, 3, 4]
    with progress(3, "folds") as bar:
        for _ in range(3):
            bar.update()
    assert capsys.readouterr().err == ""


def test_forced_progress_writes_to_stderr_only(capsys) -> None:
    assert sum(progress(range(10), "bars", enabled=True)) == 45
    captured = capsys.readouterr()
    assert captured.out == "" and "bars" in captured.err and "10/10" in captured.err


def test_logging_levels() -> None:
    configure_logging(verbose=True)
    assert logging.getLogger().level == logging.INFO
    configure_logging(verbose=False)
    assert logging.getLogger().level == logging.WARNING
    assert nautilus_logging_config(False).log_level == "ERROR"
    assert nautilus_logging_config(True).log_level == "INFO"
