"""Semantic membership check: is a synthetic report unusually close, in embedding space, to a real one?

:class:`EmbeddingNeighbours` embeds the real *train* reports (the ones the generator saw) and a real
*holdout* split (never shown to it). Each holdout report's cosine distance to its nearest train report
is what "an unrelated real report written the same way" looks like; the threshold is the
``percentile`` % quantile of those distances. A synthetic row closer than that to its nearest train
report is suspicious (``membership:embedding``): only ``percentile`` % of genuinely new reports are.

Embedding is the slow part (MiniLM: ~17 reports/s per thread), so the check is optional and its cost
is reported separately (:attr:`EmbeddingNeighbours.cost`). Texts are embedded in batches and cached by
sha256 of the text (:class:`hf_synthmh.metrics.embeddings.Embedder` caches itself; any other embed
callable is wrapped in the same kind of cache), so a text is embedded once per checker.

>>> from hf_synthmh.metrics.embeddings import hashed_bow_embed
>>> train = ["low mood poor sleep guilt", "panic attacks on buses", "voices and suspicious neighbours"]
>>> holdout = ["low mood and tiredness", "worry about money"]
>>> nn = EmbeddingNeighbours.build(train, ["a", "b", "c"], holdout, embed=hashed_bow_embed, percentile=50)
>>> out = nn.check(["panic attacks on buses", "gardening with the dog"])
>>> out["membership_embedding_id"], [round(d, 2) for d in out["membership_embedding_distance"]]
(['b', 'a'], [0.0, 1.0])
>>> [d < nn.threshold for d in out["membership_embedding_distance"]]
[True, False]
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence

import numpy as np

from hf_synthmh.contracts import EMBEDDING_COLUMNS

__all__ = ["CachedEmbed", "EmbeddingNeighbours"]


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (float32); all-zero rows stay zero."""
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), np.float32(1e-12))


class CachedEmbed:
    """Wrap an embed callable: texts are embedded in batches of ``batch_size`` and cached by sha256.

    >>> calls = []
    >>> def embed(texts):
    ...     calls.append(len(texts))
    ...     return np.ones((len(texts), 2))
    >>> cached = CachedEmbed(embed, batch_size=2)
    >>> cached(["a", "b", "a", "c"]).shape, cached(["c", "a"]).shape, calls, cached.embedded
    ((4, 2), (2, 2), [2, 1], 3)
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], *, batch_size: int = 256) -> None:
        self.embed = embed
        self.batch_size = batch_size
        self.embedded = 0  # texts actually embedded (cache misses)
        self.seconds = 0.0  # time spent in ``embed``
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        todo = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}.items())
        for lo in range(0, len(todo), self.batch_size):
            part = todo[lo : lo + self.batch_size]
            start = time.perf_counter()
            vectors = _unit(self.embed([t for _, t in part]))
            self.seconds += time.perf_counter() - start
            self.embedded += len(part)
            self._cache.update(zip([k for k, _ in part], vectors, strict=True))
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys])


def _nearest(queries: np.ndarray, vectors: np.ndarray, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Cosine distance to, and index of, each (unit) query's nearest (unit) vector, in chunks."""
    dist = np.zeros(len(queries))
    index = np.zeros(len(queries), dtype=np.int64)
    for lo in range(0, len(queries), chunk):
        sims = queries[lo : lo + chunk] @ vectors.T
        index[lo : lo + chunk] = sims.argmax(axis=1)
        dist[lo : lo + chunk] = 1.0 - sims[np.arange(len(sims)), index[lo : lo + chunk]]
    return np.maximum(dist, 0.0), index


class EmbeddingNeighbours:
    """Nearest real train report by cosine distance, with a holdout-calibrated threshold. Build it with
    :meth:`build`; :meth:`check` (or calling it on a batch) adds :data:`~hf_synthmh.contracts.EMBEDDING_COLUMNS`.

    Attributes:
        threshold: distance below which a row is suspicious.
        holdout_distances: each holdout report's distance to its nearest train report.
        cost: ``{"embed_s", "search_s", "texts_embedded"}`` so far (embedding and search separately).
    """

    def __init__(
        self,
        *,
        ids: list[str],
        vectors: np.ndarray,
        embed: CachedEmbed,
        holdout_distances: np.ndarray,
        percentile: float,
    ) -> None:
        self.ids = ids
        self.percentile = percentile
        self.holdout_distances = holdout_distances
        self.threshold = float(np.percentile(holdout_distances, percentile))
        self._vectors = vectors
        self._embed = embed
        self._search_s = 0.0

    @classmethod
    def build(
        cls,
        train_texts: Sequence[str],
        train_ids: Sequence[str],
        holdout_texts: Sequence[str],
        *,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        percentile: float = 1.0,
        batch_size: int = 256,
    ) -> EmbeddingNeighbours:
        """Embed the train and holdout reports and calibrate the threshold. ``embed`` defaults to the
        bundled MiniLM (:class:`~hf_synthmh.metrics.embeddings.Embedder`)."""
        if len(train_texts) != len(train_ids):
            raise ValueError(f"{len(train_texts)} train texts but {len(train_ids)} ids")
        if not len(train_texts) or not len(holdout_texts):
            raise ValueError("the embedding check needs at least one train and one holdout report")
        if not 0 < percentile < 100:
            raise ValueError(f"percentile must be in (0, 100), got {percentile}")
        if embed is None:
            from hf_synthmh.metrics.embeddings import Embedder

            embed = Embedder(batch_size=min(batch_size, 64))
        cached = embed if isinstance(embed, CachedEmbed) else CachedEmbed(embed, batch_size=batch_size)
        vectors = cached([t if isinstance(t, str) else "" for t in train_texts])
        start = time.perf_counter()
        holdout, _ = _nearest(cached([t if isinstance(t, str) else "" for t in holdout_texts]), vectors)
        neighbours = cls(
            ids=[str(i) for i in train_ids],
            vectors=vectors,
            embed=cached,
            holdout_distances=holdout,
            percentile=percentile,
        )
        neighbours._search_s = time.perf_counter() - start
        return neighbours

    @property
    def cost(self) -> dict[str, float]:
        return {
            "embed_s": self._embed.seconds,
            "search_s": self._search_s,
            "texts_embedded": float(self._embed.embedded),
        }

    def check(self, texts: Sequence[str]) -> dict[str, list]:
        """Cosine distance to, and id of, each text's nearest train report."""
        if not len(texts):
            return {c: [] for c in EMBEDDING_COLUMNS}
        queries = self._embed([t if isinstance(t, str) else "" for t in texts])
        start = time.perf_counter()
        dist, index = _nearest(queries, self._vectors)
        self._search_s += time.perf_counter() - start
        return {
            "membership_embedding_distance": dist.tolist(),
            "membership_embedding_id": [self.ids[i] for i in index.tolist()],
        }

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """Batch function: reads ``text``, returns :data:`~hf_synthmh.contracts.EMBEDDING_COLUMNS`."""
        return self.check(batch["text"])

    def is_suspicious(self, distances: Sequence[float]) -> list[bool]:
        """``distance < threshold`` for each distance."""
        return [d < self.threshold for d in distances]
