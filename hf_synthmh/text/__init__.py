"""The shared text core of the gate and the metrics: one tokeniser, one hashing, one overlap measure.

* :mod:`hf_synthmh.text.tokens`: :func:`~hf_synthmh.text.tokens.words` (the one word rule) and
  :func:`~hf_synthmh.text.tokens.encode` (a corpus as token ids, for the vectorised metrics).
* :mod:`hf_synthmh.text.hashing`: the same words as 64-bit hashes in flat arrays
  (:func:`~hf_synthmh.text.hashing.hash_tokens`, n-gram :func:`~hf_synthmh.text.hashing.shingles`)
  and the splitmix64 mixer :func:`~hf_synthmh.text.hashing.mix64`.
* :mod:`hf_synthmh.text.overlap`: longest common run and ROUGE-L of two token sequences.

>>> from hf_synthmh.text import hash_tokens, words
>>> words("Low mood, GAD-7 16."), hash_tokens(["Low mood, GAD-7 16."]).lengths.tolist()
(['low', 'mood', 'gad-7', '16'], [4])
"""

from __future__ import annotations

from hf_synthmh.text.hashing import Csr, hash_tokens, mix64, ngram_hashes, shingles
from hf_synthmh.text.overlap import longest_common_run, longest_common_span, rouge_l_f1
from hf_synthmh.text.tokens import Encoded, encode, ngrams, normalise, words

__all__ = [
    "Csr",
    "Encoded",
    "encode",
    "hash_tokens",
    "longest_common_run",
    "longest_common_span",
    "mix64",
    "ngram_hashes",
    "ngrams",
    "normalise",
    "rouge_l_f1",
    "shingles",
    "words",
]
