"""Fold planning: windows, purge and embargo properties, and clear errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from engine.walkforward.errors import FoldError
from engine.walkforward.folds import (
    Fold,
    FoldScheme,
    check_fold_rows,
    make_folds,
    oos_mask,
    train_mask,
    validate_folds,
)

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _bars(n: int, minutes: int) -> pd.DatetimeIndex:
    return pd.date_range(T0, periods=n, freq=f"{minutes}min")


schemes = st.builds(
    lambda train, test, extra, anchored, embargo: FoldScheme(
        train=pd.Timedelta(hours=train),
        test=pd.Timedelta(hours=test),
        step=pd.Timedelta(hours=test + extra),
        anchored=anchored,
        embargo=pd.Timedelta(minutes=embargo),
    ),
    st.integers(1, 48),
    st.integers(1, 24),
    st.integers(0, 12),
    st.booleans(),
    st.integers(0, 240),
)


@settings(max_examples=60, deadline=None)
@given(scheme=schemes, n=st.integers(200, 900), minutes=st.sampled_from([5, 15]), horizon=st.integers(1, 30))
def test_purge_embargo_and_disjoint_tests(scheme: FoldScheme, n: int, minutes: int, horizon: int) -> None:
    ts = _bars(n, minutes)
    try:
        folds = make_folds(ts[0], ts[-1], scheme)
    except FoldError as exc:
        assert "too little data" in str(exc)
        assert ts[-1] - ts[0] + pd.Timedelta(1, "ns") < scheme.train + scheme.test
        return
    # label horizon: `horizon` bars ahead, NaT where it runs past the data
    ends = pd.Series(ts).shift(-horizon)
    for i, f in enumerate(folds):
        assert f.index == i
        keep = train_mask(ts, ends, f, folds, scheme.embargo)
        t, e = ts[keep], pd.DatetimeIndex(ends[keep])
        assert e.notna().all()
        # no training row's label horizon reaches into its own or any later test window
        for g in folds[i:]:
            assert not ((t < g.test_end) & (e >= g.test_start)).any()
        # every training row lies in the training window, so before (unseen by) its test window
        assert ((t >= f.train_start) & (t < f.train_end)).all()
        assert (t < f.test_start).all()
        # embargo: nothing within `embargo` after any test window
        for g in folds:
            assert not ((t >= g.test_end) & (t < g.test_end + scheme.embargo)).any()
        # rows dropped only for a reason: the mask is exactly the rule
        in_window = (ts >= f.train_start) & (ts < f.train_end)
        assert keep.sum() <= in_window.sum()
        if scheme.anchored:
            assert f.train_start == folds[0].train_start
        else:
            assert f.train_end - f.train_start == scheme.train
    # test windows ordered and disjoint, each of length `test`
    for a, b in itertools.pairwise(folds):
        assert a.test_end <= b.test_start
    assert all(f.test_end - f.test_start == scheme.test for f in folds)
    # every test window is complete (inside the data)
    assert folds[-1].test_end <= ts[-1] + pd.Timedelta(1, "ns")


def test_purge_drops_rows_whose_label_reaches_into_the_test_window() -> None:
    ts = _bars(600, 5)
    scheme = FoldScheme.parse("10h", "5h")
    folds = make_folds(ts[0], ts[-1], scheme)
    ends = pd.Series(ts).shift(-6)  # 30 minutes ahead
    keep = train_mask(ts, ends, folds[0], folds, scheme.embargo)
    in_window = np.asarray((ts >= folds[0].train_start) & (ts < folds[0].train_end))
    # the last 6 bars of the training window look into the test window
    assert in_window.sum() - keep.sum() == 6
    assert ts[keep][-1] == folds[0].train_end - pd.Timedelta(minutes=35)


def test_embargo_removes_rows_after_an_earlier_test_window() -> None:
    ts = _bars(2000, 5)
    scheme = FoldScheme.parse("10h", "5h", anchored=True, embargo="1h")
    folds = make_folds(ts[0], ts[-1], scheme)
    f3 = folds[3]  # trains on [0h, 25h); folds 0..2 test [10h, 15h), [15h, 20h), [20h, 25h)
    keep = train_mask(ts, None, f3, folds, scheme.embargo)
    in_window = (ts >= f3.train_start) & (ts < f3.train_end)
    # folds 0 and 1 end inside fold 3's training window: 12 bars embargoed after each
    assert int(in_window.sum()) - int(keep.sum()) == 24


def test_errors_name_the_fold_and_problem() -> None:
    ts = _bars(300, 5)  # 25 hours
    with pytest.raises(FoldError, match="too little data"):
        make_folds(ts[0], ts[-1], FoldScheme.parse("20h", "10h"))
    with pytest.raises(FoldError, match=r"fold-001: test window .* overlaps fold-000"):
        make_folds(ts[0], ts[-1], FoldScheme.parse("5h", "4h", step="2h"))
    with pytest.raises(FoldError, match="not a duration"):
        FoldScheme.parse("soon", "1h")
    with pytest.raises(FoldError, match="must be a duration > 0"):
        FoldScheme.parse("0h", "1h")
    bad = [Fold(0, T0, T0 + pd.Timedelta("2h"), T0 + pd.Timedelta("1h"), T0 + pd.Timedelta("3h"))]
    with pytest.raises(FoldError, match=r"fold-000: windows .* malformed"):
        validate_folds(bad)
    # a gap in the data leaves a test window empty
    gap = ts[(ts < T0 + pd.Timedelta("12h")) | (ts >= T0 + pd.Timedelta("16h"))]
    folds = make_folds(gap[0], gap[-1], FoldScheme.parse("8h", "4h"))
    with pytest.raises(FoldError, match=r"fold-001: test window .* has 0 bars") as info:
        check_fold_rows(gap, None, folds, pd.Timedelta(0))
    assert info.value.fold == 1 and isinstance(info.value, LineageError)
    # purge leaves too few training rows
    with pytest.raises(FoldError, match=r"fold-000: training window .* keeps \d+ rows"):
        check_fold_rows(
            ts,
            pd.Series(ts).shift(-90),
            make_folds(ts[0], ts[-1], FoldScheme.parse("8h", "4h")),
            pd.Timedelta(0),
            min_train_rows=10,
        )


def test_masks_cover_windows_exactly() -> None:
    ts = _bars(400, 15)
    folds = make_folds(ts[0], ts[-1], FoldScheme.parse("1D", "12h"))
    for f in folds:
        m = oos_mask(ts, f)
        assert m.sum() == 48
        assert ts[m][0] == f.test_start
