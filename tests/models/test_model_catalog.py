"""The model catalog: versioning, content hashes, tamper refusal, concurrency and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.cli import main
from engine.errors import ArtifactError, LineageError
from engine.models import ModelCatalog, ModelRef
from tests.models.modeldata import fast_model
from tests.realdata import REPO

FEATURES = {"returns": [1, 2, 3, 6, 12], "rolling_std": 12, "volume_z": 48}


def meta(**over):
    base = {
        "feature_set": FEATURES,
        "label_spec": {"horizon": 6, "kind": "forward-return terciles"},
        "train_start": "2018-01-10T04:55:00+00:00",
        "train_end": "2018-01-13T16:10:00+00:00",
        "data_digest": "sha256:eth-btc-5m-first-1000",
        "metrics": {"val_logloss": 1.0},
        "created_by": {"run": "test", "fold": 0},
    }
    base.update(over)
    return base


@pytest.fixture()
def catalog(tmp_path) -> ModelCatalog:
    return ModelCatalog(tmp_path / "models")


@pytest.mark.parametrize("kind", ["xgb", "mlp", "lstm", "ensemble"])
def test_save_then_load_gives_the_same_model(kind, catalog, trained, eth_data):
    X, _ = eth_data
    ref = catalog.save("eth", trained[kind], meta())
    assert (ref.name, ref.version, str(ref)) == ("eth", 1, "eth:1")
    model, card = catalog.load("eth")
    assert card.kind == kind and card.content_hash == ref.content_hash
    assert card.artifact_digest == trained[kind].digest
    assert card.seed == trained[kind].seed
    assert set(card.library_versions) >= {"python", "numpy", "xgboost", "torch"}
    assert np.array_equal(model.predict_proba(X), trained[kind].predict_proba(X), equal_nan=True)


def test_versions_are_sequential_and_hash_is_deterministic(catalog, trained, eth_data):
    X, y = eth_data
    r1 = catalog.save("eth", trained["mlp"], meta())
    retrained = fast_model("mlp").fit(X[:1000], y[:1000], eval_set=(X[1000:1300], y[1000:1300]))
    r2 = catalog.save("eth", retrained, meta())
    r3 = catalog.save("eth", fast_model("mlp", seed=5).fit(X[:1000], y[:1000]), meta(parent=r1))
    assert [r.version for r in (r1, r2, r3)] == [1, 2, 3]
    assert r1.content_hash == r2.content_hash  # same seed + same data => same content hash
    assert r3.content_hash != r1.content_hash
    assert catalog.load("eth")[1].version == 3
    assert catalog.load("eth")[1].parent == "eth:1"
    assert catalog.load("eth:1")[1].version == 1
    assert catalog.load(r2)[1].content_hash == r2.content_hash
    other = catalog.save("btc", trained["xgb"], {})
    assert catalog.list() == [other, r1, r2, r3]
    assert (
        catalog.save("eth", trained["mlp"], meta(metrics={"val_logloss": 2.0})).content_hash
        != r1.content_hash
    )


def test_feature_digest_checked_on_load(catalog, trained):
    catalog.save("eth", trained["xgb"], meta())
    card = catalog.load("eth")[1]
    assert card.feature_digest and len(card.feature_digest) == 64  # derived from the feature-set JSON
    catalog.load("eth", expect_feature_digest=card.feature_digest)
    with pytest.raises(ArtifactError, match=r"card\.json: field 'feature_digest'.*expected 'abc'"):
        catalog.load("eth", expect_feature_digest="abc")


@pytest.mark.parametrize(
    ("kind", "file"),
    [("xgb", "model.ubj"), ("mlp", "weights.safetensors"), ("ensemble", "members/02/weights.safetensors")],
)
def test_flipped_byte_in_weights_is_refused(kind, file, catalog, trained):
    ref = catalog.save("eth", trained[kind], meta())
    path = catalog.path(ref) / "artifact" / file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=rf"{file}: sha256 is .* expected"):
        catalog.load(str(ref))


def test_edited_metadata_is_refused(catalog, trained):
    ref = catalog.save("eth", trained["xgb"], meta())
    card_path = catalog.path(ref) / "card.json"
    doc = json.loads(card_path.read_text())
    doc["metrics"]["val_logloss"] = 0.1  # a flattering edit
    card_path.write_text(json.dumps(doc))
    with pytest.raises(ArtifactError, match=r"card\.json: field 'content_hash'.*metadata was modified"):
        catalog.load("eth")


def test_missing_extra_and_renamed_files_are_refused(catalog, trained):
    ref = catalog.save("eth", trained["mlp"], meta())
    art = catalog.path(ref) / "artifact"
    (art / "notes.txt").write_text("hi")
    with pytest.raises(ArtifactError, match=r"notes\.txt: unexpected file"):
        catalog.load("eth")
    (art / "notes.txt").unlink()
    (art / "weights.safetensors").unlink()
    with pytest.raises(ArtifactError, match=r"weights\.safetensors: missing"):
        catalog.load("eth")
    ref2 = catalog.save("eth", trained["mlp"], meta())
    catalog.path(ref2).rename(catalog.root / "eth" / "7")
    with pytest.raises(ArtifactError, match="names eth:2; expected eth:7"):
        catalog.load("eth:7")


def test_concurrent_saves_never_clobber(catalog, trained):
    refs: list[ModelRef] = []
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            refs.append(catalog.save("eth", trained["xgb"], meta(metrics={"i": i})))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.version for r in refs) == list(range(1, 9))
    for r in refs:  # each version holds exactly the metadata of the save that got it
        assert catalog.load(str(r))[1].content_hash == r.content_hash
    assert not [p for p in (catalog.root / "eth").iterdir() if p.name.startswith(".")]


def test_bad_names_and_metadata_are_refused(catalog, trained):
    with pytest.raises(LineageError, match="name"):
        catalog.save("../evil", trained["xgb"], {})
    with pytest.raises(ArtifactError, match="unknown key"):
        catalog.save("eth", trained["xgb"], {"colour": "red"})
    with pytest.raises(ArtifactError, match="'metrics' is not canonical JSON"):
        catalog.save("eth", trained["xgb"], {"metrics": {"sharpe": float("nan")}})
    with pytest.raises(ArtifactError, match="not found"):
        catalog.load("eth")
    assert catalog.list() == []


def test_cli_lists_and_shows_models(catalog, trained, capsys):
    ref = catalog.save("eth", trained["xgb"], meta())
    assert main(["models", "--root", str(catalog.root), "list"]) == 0
    assert capsys.readouterr().out.strip() == f"eth:1\t{ref.content_hash}"
    assert main(["models", "--root", str(catalog.root), "show", "eth:1"]) == 0
    assert json.loads(capsys.readouterr().out)["content_hash"] == ref.content_hash
    assert main(["models", "--root", str(catalog.root), "show", "eth:2"]) == 2
    assert "eth:2: not found" in capsys.readouterr().err
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "models", "--root", str(catalog.root), "show", "eth"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kind"] == "xgb"
    card = catalog.path(ref) / "card.json"
    card.write_text(card.read_text().replace('"xgb"', '"mlp"', 1))
    assert main(["models", "--root", str(catalog.root), "show", "eth"]) == 2
    assert "content_hash" in capsys.readouterr().err


def test_default_root_is_catalogs_models():
    assert ModelCatalog().root == Path("catalogs/models")
