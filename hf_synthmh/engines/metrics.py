"""Metrics on Ray Data: the per-text work on the workers, the whole-corpus metrics on the driver.

What runs where (``evaluate --engine ray``):

* **Workers**: sentence embeddings of every real, synthetic and holdout text (:class:`EmbedBatch`
  around the embed function, e.g. :class:`~hf_synthmh.metrics.embeddings.Embedder`, in a pool of
  ``num_workers`` actors: each loads MiniLM once). This is the cost that grows with the corpus
  (~17 texts/s per thread with MiniLM).
* **Driver**: :func:`~hf_synthmh.metrics.evaluate_splits` itself, given the embeddings through
  :class:`Precomputed`. Distinct-n, self-BLEU, MAUVE, DCR, the discriminator and the classifiers need
  the whole corpus; the driver holds the text columns and one float32 vector per text (384 × 4 bytes
  with MiniLM). So every metric is the ``datasets`` engine's, computed by the same code on the same
  inputs: exactly equal with a deterministic embed function (``--embed hashed``), and equal up to
  float rounding with MiniLM (a text's vector can differ in the last bits with the batch it was padded
  in). What is sampled is sampled the same way under both engines (``MetricsOptions``): BERTScore on
  ``bertscore_max_rows`` rows, self-BLEU on ``max_texts`` texts when set, MAUVE's k-means buckets.

:func:`distinct_counts_merged` shows the exact merge of per-block partial results where the metric
allows it (distinct-n: the union of each block's distinct n-grams and the sum of occurrences);
``scripts/bench_scale.py`` times it against the single-process count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.engines.ray_data import RayOptions, collect, from_table, map_step, require_ray

if TYPE_CHECKING:
    import ray.data

__all__ = [
    "EmbedBatch",
    "Precomputed",
    "distinct_counts_merged",
    "embed_texts",
    "ngram_sets",
    "precomputed_embed",
]

EMBEDDING = "embedding"


class EmbedBatch:
    """Batch callable: ``text`` -> ``embedding`` (a float32 vector per row) with ``embed``.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed
    >>> len(EmbedBatch(hashed_bow_embed)({"text": ["low mood", "worry"]})["embedding"][1])
    256
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray]) -> None:
        self.embed = embed

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        vectors = np.asarray(self.embed(list(batch["text"])), dtype=np.float32)
        return {EMBEDDING: list(vectors)}


def embed_texts(
    texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], *, options: RayOptions
) -> np.ndarray:
    """Embeddings of ``texts`` (distinct ones once), computed by ``num_workers`` actors, in order."""
    import pyarrow as pa
    from datasets import List, Value

    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return np.zeros((0, 0), dtype=np.float32)
    ds = map_step(
        from_table(pa.table({"text": distinct}), options),
        [(EmbedBatch(embed), {EMBEDDING: List(Value("float32"))})],
        options=options,
        actors=True,
    )
    out = collect(ds).with_format("numpy")
    matrix = np.asarray(out[EMBEDDING], dtype=np.float32)
    row = {text: i for i, text in enumerate(distinct)}
    return matrix[[row[t] for t in texts]]


class Precomputed:
    """An embed function answering from vectors computed elsewhere (by :func:`embed_texts`), keyed by
    the sha256 of the text; a text it does not hold goes to ``fallback`` on the driver. Token embeddings
    (BERTScore) are ``fallback``'s, on the driver.

    >>> from hf_synthmh.metrics.embeddings import hashed_bow_embed
    >>> pre = Precomputed(["a b"], hashed_bow_embed(["a b"]), fallback=hashed_bow_embed)
    >>> bool(np.allclose(pre(["a b", "c"]), hashed_bow_embed(["a b", "c"]))), pre.misses
    (True, 1)
    """

    def __init__(self, texts: Sequence[str], vectors: np.ndarray, *, fallback: Any) -> None:
        self._row = {_key(t): i for i, t in enumerate(texts)}
        self._vectors, self.fallback, self.misses = vectors, fallback, 0
        method = getattr(fallback, "token_embeddings", None)
        if callable(method):
            self.token_embeddings = method

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        todo = [t for t, k in zip(texts, keys, strict=True) if k not in self._row]
        extra = np.asarray(self.fallback(todo)) if todo else None
        self.misses += len(todo)
        out, j = [], 0
        for key in keys:
            if key in self._row:
                out.append(self._vectors[self._row[key]])
            else:
                assert extra is not None
                out.append(extra[j])
                j += 1
        return np.stack(out) if out else np.zeros((0, self._vectors.shape[1]), dtype=np.float32)


def precomputed_embed(
    texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], *, options: RayOptions
) -> Precomputed:
    """``embed`` of every text computed on the workers (:func:`embed_texts`), served on the driver."""
    distinct = list(dict.fromkeys(texts))
    return Precomputed(distinct, embed_texts(distinct, embed, options=options), fallback=embed)


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def ngram_sets(batch: dict[str, list], *, max_order: int = 4) -> dict[str, list]:
    """Batch callable for the per-block part of distinct-n: one row per order with the block's
    distinct n-grams (words joined by a space) and its n-gram occurrences."""
    from hf_synthmh.text.tokens import words

    grams: list[set[str]] = [set() for _ in range(max_order)]
    occurrences = [0] * max_order
    for text in batch["text"]:
        tokens = words(text or "")
        for n in range(1, max_order + 1):
            found = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            grams[n - 1].update(found)
            occurrences[n - 1] += len(found)
    return {
        "order": list(range(1, max_order + 1)),
        "grams": [sorted(g) for g in grams],
        "occurrences": occurrences,
    }


def distinct_counts_merged(
    ds: ray.data.Dataset, *, options: RayOptions, max_order: int = 4
) -> tuple[list[int], list[int]]:
    """``(distinct, occurrences)`` for n = 1..max_order over every ``text`` of ``ds``, from per-block
    partial results merged on the driver: exact (set union, sum), the same counts as
    :func:`hf_synthmh.metrics.ngramstats.distinct_counts` of the whole corpus."""
    import functools

    require_ray()
    from datasets import List, Value

    part = functools.partial(ngram_sets, max_order=max_order)
    types = {"order": Value("int64"), "grams": List(Value("string")), "occurrences": Value("int64")}
    # the callable returns one row per order, not per input row: it replaces every column
    parts = ds.map_batches(
        _Rows(part, types), batch_format="pyarrow", batch_size=options.batch_size * 16,
        compute=require_ray().data.TaskPoolStrategy(size=options.num_workers),
    )  # fmt: skip
    union: list[set[str]] = [set() for _ in range(max_order)]
    occurrences = [0] * max_order
    for row in collect(parts).to_list():
        union[row["order"] - 1].update(row["grams"])
        occurrences[row["order"] - 1] += row["occurrences"]
    return [len(u) for u in union], occurrences


class _Rows:
    """A batch callable whose output rows are not the input rows (a per-block partial result)."""

    def __init__(self, fn: Callable[[dict[str, list]], dict[str, list]], types: dict[str, Any]) -> None:
        from hf_synthmh.engines.ray_data import arrow_types

        self.fn, self.types = fn, arrow_types(types)

    def __call__(self, table: Any) -> Any:
        import pyarrow as pa

        out = self.fn({"text": table.column("text").to_pylist()})
        return pa.table({k: pa.array(v, type=self.types[k]) for k, v in out.items()})
