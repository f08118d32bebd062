"""FeatureSet as data: names, JSON round trip, digest, validation of names and params."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import LineageError
from indicators import FeatureError, FeatureSet, FeatureSpec
from indicators.library import KINDS

DEFAULT = FeatureSet.default()


def test_default_set_has_100_plus_distinct_features_across_all_groups():
    names = DEFAULT.names
    assert len(names) >= 100
    assert len(set(names)) == len(names)
    groups = {f.kind_def.group for f in DEFAULT.features}
    talib_groups = {"overlap", "momentum", "volatility", "volume", "cycle", "price", "statistic"}
    talib_groups.add("candlestick")
    assert talib_groups | {"returns", "calendar", "multi-timeframe"} <= groups
    assert sum(f.kind_def.group == "candlestick" for f in DEFAULT.features) >= 20


def test_lookback_and_warmup_are_maxima_over_features():
    assert DEFAULT.lookback == max(f.lookback for f in DEFAULT.features)
    assert DEFAULT.warmup == max(f.warmup for f in DEFAULT.features)
    assert all(f.warmup >= f.lookback for f in DEFAULT.features)


def test_json_round_trip_and_digest():
    text = DEFAULT.to_json()
    back = FeatureSet.from_json(text)
    assert back == DEFAULT
    assert back.digest == DEFAULT.digest
    assert len(DEFAULT.digest) == 64 and int(DEFAULT.digest, 16) >= 0
    doc = json.loads(text)
    assert [d["name"] for d in doc["features"]] == DEFAULT.names
    assert doc["features"][DEFAULT.names.index("rsi_14")]["params"] == {"period": 14}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(DEFAULT.names), min_size=1, max_size=12, unique=True))
def test_any_subset_round_trips_and_order_matters_for_digest(names):
    fs = FeatureSet.from_names(names)
    assert fs.names == names
    assert FeatureSet.from_json(fs.to_json()) == fs
    if len(names) > 1:
        assert FeatureSet.from_names(list(reversed(names))).digest != fs.digest


def test_names_parse_to_specs_with_typed_params():
    spec = FeatureSpec.parse("bbpctb_20_2")
    assert spec.kind == "bbpctb" and spec.params == (20, 2.0)
    assert FeatureSpec.parse("cdl_doji").params == ("doji",)
    assert FeatureSpec("sar", (0.02, 0.2)).name == "sar_0.02_0.2"
    assert FeatureSet.from_names(["rsi_14"]).digest != FeatureSet.from_names(["rsi_15"]).digest


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("nosuchthing_3", "unknown feature kind 'nosuchthing'"),
        ("rsi", "expects 1 parameter"),
        ("rsi_x", "parameter 'period' expects int"),
        ("rsi_1", "must be >= 2"),
        ("rsi_014", "not in canonical form"),
        ("cdl_notapattern", "must be one of"),
        ("mama_0.5_nan", "parameter 'slow'"),
        ("ema_100000000", "bad parameters"),
    ],
)
def test_bad_names_and_params_raise_feature_error(name, fragment):
    with pytest.raises(FeatureError, match=fragment) as info:
        FeatureSet.from_names([name])
    assert isinstance(info.value, LineageError)


def test_bad_sets_and_json():
    with pytest.raises(FeatureError, match="appears twice"):
        FeatureSet.from_names(["rsi_14", "rsi_14"])
    with pytest.raises(FeatureError, match="at least one"):
        FeatureSet.from_names([])
    with pytest.raises(FeatureError, match="not valid JSON"):
        FeatureSet.from_json("{nope")
    bad = json.loads(FeatureSet.from_names(["rsi_14"]).to_json())
    bad["features"][0]["name"] = "rsi_15"
    with pytest.raises(FeatureError, match=r"features\[0\].*does not match"):
        FeatureSet.from_json(json.dumps(bad))
    bad["features"][0] = {"kind": "rsi", "params": {"length": 14}}
    with pytest.raises(FeatureError, match="expects params"):
        FeatureSet.from_json(json.dumps(bad))


def test_every_registered_kind_documents_itself():
    for kind in KINDS.values():
        assert kind.doc, kind.name
