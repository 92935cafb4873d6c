from __future__ import annotations

import doctest
import hashlib
import importlib
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from hf_synthmh.metrics import embeddings
from hf_synthmh.metrics.embeddings import ChecksumError, Embedder, hashed_bow_embed, l2_normalise, minilm_path


def test_doctests() -> None:
    result = doctest.testmod(importlib.import_module("hf_synthmh.metrics.embeddings"))
    assert result.attempted > 0 and result.failed == 0


def test_minilm_path_is_the_verified_bundle() -> None:
    path = minilm_path()
    assert (path / "model.safetensors").stat().st_size == embeddings.MINILM_SAFETENSORS_BYTES
    assert path in embeddings._VERIFIED
    assert minilm_path(verify=False) == path


def test_corrupted_copy_of_the_weights_raises(tmp_path: Path) -> None:
    copy = tmp_path / "minilm"
    copy.mkdir()
    shutil.copyfile(minilm_path() / "model.safetensors", copy / "model.safetensors")
    with (copy / "model.safetensors").open("r+b") as handle:  # flip one byte, same size
        handle.seek(1_000_000)
        byte = handle.read(1)
        handle.seek(1_000_000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ChecksumError, match=r"sha256 .* expected 53aa5117"):
        minilm_path(root=copy)
    assert minilm_path(root=copy, verify=False) == copy.resolve()


def test_size_mismatch_missing_file_and_cached_success(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    with pytest.raises(FileNotFoundError, match="reinstall"):
        minilm_path(root=tmp_path)
    weights.write_bytes(b"not a model")
    with pytest.raises(ChecksumError, match="11 bytes, expected 90868376"):
        minilm_path(root=tmp_path)
    digest = hashlib.sha256(b"not a model").hexdigest()
    with pytest.raises(ChecksumError, match="sha256"):
        minilm_path(root=tmp_path, size=11)
    assert minilm_path(root=tmp_path, size=11, sha256=digest) == tmp_path.resolve()
    weights.write_bytes(b"changed!!!!")  # a success is remembered for the process
    assert minilm_path(root=tmp_path, size=11, sha256=digest) == tmp_path.resolve()


def test_hashed_bow_embed_is_deterministic_and_unit_norm() -> None:
    a = hashed_bow_embed(["low mood and poor sleep", "", "worry"], dim=64)
    b = hashed_bow_embed(["low mood and poor sleep", "", "worry"], dim=64)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="2-d"):
        l2_normalise(np.ones(3))


class _CountingModel:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.seen.extend(texts)
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_embedder_caches_by_text_and_does_not_pickle_the_model() -> None:
    embedder = Embedder(model="not-loaded")
    fake = _CountingModel()
    embedder._model = fake
    first = embedder.encode(["aa", "b", "aa"])
    second = embedder(["b", "ccc"])
    assert fake.seen == ["aa", "b", "ccc"]  # each distinct text embedded once
    assert first.shape == (3, 3) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert np.array_equal(first[1], second[0])
    clone = pickle.loads(pickle.dumps(embedder))
    assert clone._model is None and clone._cache == {} and clone.model == "not-loaded"
    assert embedder._model is fake and len(embedder._cache) == 3
    embedder.clear_cache()
    assert embedder._cache == {}
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(batch_size=0)


def test_minilm_offline_unit_vectors_and_paraphrases(minilm: Embedder) -> None:
    texts = [
        "The patient has felt sad and hopeless for several months.",
        "For months the patient has been feeling low and without hope.",
        "The invoice for the new office printer is attached.",
    ]
    vectors = minilm.encode(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert paraphrase > 0.6 > unrelated + 0.3
    assert minilm.dimension == 384
    assert minilm.encode([]).shape == (0, 384)
    assert np.array_equal(minilm.encode(texts[:1])[0], vectors[0])  # served from the cache
