"""Search spaces as data (validation names kind.param and the problem), sampling within them, the
inner time split (purge + embargo, hypothesis), the guard that keeps the test window out of the
search data, and the search settings in fold keys (resume recomputes when they change)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.walkforward import plan
from engine.walkforward.errors import WalkForwardError
from engine.walkforward.search import SearchData, inner_split
from engine.walkforward.search_space import DEFAULT_SPACES, SearchConfig, load_space, suggest
from tests.walkforward.conftest import wf_config

GOOD = {"max_depth": {"type": "int", "low": 2, "high": 4}}

BAD: list[tuple[dict[str, Any], list[str]]] = [
    ({"xgb": {"max_dept": {"type": "int", "low": 2, "high": 4}}}, ["xgb.max_dept", "not a parameter of xgb"]),
    ({"xgb": {"max_depth": {"type": "int", "low": 5, "high": 2}}}, ["xgb.max_depth", "'low' 5 > 'high' 2"]),
    (
        {"xgb": {"max_depth": {"type": "int", "low": 2.5, "high": 4}}},
        ["xgb.max_depth", "expected an integer"],
    ),
    ({"xgb": {"max_depth": {"type": "range", "low": 2, "high": 4}}}, ["xgb.max_depth", "'type' is 'range'"]),
    (
        {"xgb": {"learning_rate": {"type": "log-float", "low": 0, "high": 1}}},
        ["xgb.learning_rate", "low > 0"],
    ),
    (
        {"xgb": {"n_estimators": {"type": "int", "low": 10, "high": 45, "step": 10}}},
        ["xgb.n_estimators", "'step' 10 does not divide high - low = 35"],
    ),
    (
        {"xgb": {"subsample": {"type": "float", "low": 0.5, "high": 1, "log": True}}},
        ["xgb.subsample", "['log']"],
    ),
    ({"mlp": {"hidden": {"type": "categorical", "choices": []}}}, ["mlp.hidden", "non-empty list"]),
    ({"mlp": {"hidden": {"type": "categorical", "choices": [[8], [8]]}}}, ["mlp.hidden", "duplicates"]),
    ({"xgb": {"seed": {"type": "int", "low": 0, "high": 9}}}, ["xgb.seed", "not a parameter"]),
    ({"ensemble": {"members": {"type": "categorical", "choices": [1]}}}, ["'ensemble' cannot be searched"]),
    ({"xgb": {}}, ["xgb: expected a non-empty object"]),
]


@pytest.mark.parametrize(("space", "expected"), BAD)
def test_bad_space_file_names_param_and_problem(tmp_path: Path, space: dict, expected: list[str]) -> None:
    path = tmp_path / "space.json"
    path.write_text(json.dumps(space), encoding="utf-8")
    with pytest.raises(WalkForwardError) as err:
        SearchConfig.build(2, path, "xgb")
    message = str(err.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_unreadable_or_missing_entries_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "space.json"
    path.write_text('{"xgb": {"max_depth": ', encoding="utf-8")
    with pytest.raises(WalkForwardError, match="not valid JSON"):
        SearchConfig.build(2, path, "xgb")
    with pytest.raises(WalkForwardError, match=r"search space .*missing\.json: cannot read"):
        SearchConfig.build(2, tmp_path / "missing.json", "xgb")
    path.write_text(json.dumps({"xgb": GOOD}), encoding="utf-8")
    with pytest.raises(WalkForwardError, match=r"no entry for model 'mlp'; it has \['xgb'\]"):
        SearchConfig.build(2, path, "mlp")
    with pytest.raises(WalkForwardError, match="expected an integer >= 0"):
        SearchConfig.build(-1, path, "xgb")
    with pytest.raises(WalkForwardError, match="fraction in"):
        SearchConfig.build(2, path, "xgb", validation=1.0)
    assert SearchConfig.build(0, path, "xgb") is None  # off; the file was still validated
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(WalkForwardError, match="keyed by model kind"):
        SearchConfig.build(0, path, "xgb")


def test_default_spaces_validate_for_xgb_mlp_lstm() -> None:
    spaces = load_space(None)
    assert spaces == DEFAULT_SPACES
    assert {"max_depth", "learning_rate", "n_estimators", "subsample"} <= set(spaces["xgb"])
    assert {"hidden", "learning_rate", "dropout"} <= set(spaces["mlp"])
    config = SearchConfig.build(3, None, "mlp")
    assert config is not None and config.space_dict == DEFAULT_SPACES["mlp"]
    assert config.sampler == f"optuna {optuna.__version__} TPESampler"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_suggestions_stay_inside_the_space(seed: int) -> None:
    space = {**DEFAULT_SPACES["xgb"], "hidden": {"type": "categorical", "choices": [[32], [64, 32]]}}
    seen: list[dict[str, Any]] = []
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study.optimize(lambda t: (seen.append(suggest(t, space)), 0.0)[1], n_trials=3)
    for params in seen:
        assert set(params) == set(space)
        for name, spec in space.items():
            v = params[name]
            if spec["type"] == "categorical":
                assert v in spec["choices"]
            else:
                assert spec["low"] <= v <= spec["high"]
            if spec["type"] == "int":
                assert isinstance(v, int) and (v - spec["low"]) % spec.get("step", 1) == 0


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.integers(1, 5), min_size=12, max_size=200),
    horizons=st.data(),
    validation=st.floats(0.1, 0.5),
    embargo=st.integers(0, 4),
)
def test_inner_split_purges_and_embargoes(
    gaps: list[int], horizons: st.DataObject, validation: float, embargo: int
) -> None:
    ts = np.cumsum(np.asarray(gaps, dtype=np.int64)) * 300
    h = np.asarray(horizons.draw(st.lists(st.integers(0, 4), min_size=len(ts), max_size=len(ts))))
    label_end = ts + h * 300
    try:
        fit, val, purged = inner_split(ts, label_end, validation, embargo)
    except WalkForwardError as exc:
        assert "too few" in str(exc) or "fit rows left" in str(exc)
        return
    assert len(val) and len(fit) >= 2
    assert val[-1] == len(ts) - 1 and np.all(np.diff(val) == 1)  # the latest rows validate
    assert fit.max() + embargo < val[0]
    assert np.all(label_end[fit] < ts[val[0]])  # no fit label looks into validation
    cut = val[0] - embargo
    assert purged == int(np.sum(label_end[:cut] >= ts[val[0]]))
    assert len(fit) + purged == cut


def _data(limit: int, last_ts: int, last_end: int) -> SearchData:
    ts = np.array([1, 2, last_ts], dtype=np.int64)
    return SearchData(
        full_X=np.zeros((3, 2)),
        full_ts=ts,
        pos=np.arange(3),
        y=np.zeros(3),
        ts=ts,
        label_end=np.array([2, 3, last_end], dtype=np.int64),
        next_return=np.zeros(3),
        limit=limit,
    )


def test_search_data_refuses_anything_at_or_after_the_training_end() -> None:
    _data(10, 9, 9)
    with pytest.raises(WalkForwardError, match=r"full_ts reaches .* the search must not see the test window"):
        _data(10, 10, 9)
    with pytest.raises(WalkForwardError, match="label_end reaches"):
        _data(10, 9, 10)


def test_search_settings_are_in_fold_keys_only_when_on(tmp_path: Path) -> None:
    space = {"xgb": {"max_depth": {"type": "int", "low": 2, "high": 4}}}
    off = plan(wf_config(tmp_path))
    assert all("search" not in t.describe() for t in off.tasks) and "search" not in off.manifest["config"]
    on = plan(wf_config(tmp_path, search_trials=2, search_space=space))
    more = plan(wf_config(tmp_path, search_trials=3, search_space=space))
    wider = plan(
        wf_config(
            tmp_path, search_trials=2, search_space={"xgb": {"max_depth": {**GOOD["max_depth"], "high": 6}}}
        )
    )
    keys = [{t.key for t in p.tasks} for p in (off, on, more, wider)]
    assert all(not (a & b) for i, a in enumerate(keys) for b in keys[i + 1 :])  # every change recomputes
    assert len({p.run_dir for p in (off, on, more, wider)}) == 4
    assert on.manifest["config"]["search"]["space"] == space["xgb"]
    with pytest.raises(
        WalkForwardError, match=r"model.n_estimators is fixed by a parameter and also searched"
    ):
        plan(wf_config(tmp_path, search_trials=2, search_space={"xgb": {"n_estimators": GOOD["max_depth"]}}))
