"""The steps of :func:`hf_synthmh.metrics.report.evaluate_corpus`: encode both corpora once
(:class:`Corpora`), compute the row-level parts every dimension needs (:class:`Parts`), then score any
subset of synthetic rows, overall or for one code (:class:`Scorer`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hf_synthmh.metrics.bertscore import bertscore_rows, summarise_bertscore
from hf_synthmh.metrics.detect import discriminator_auc, label_roundtrip
from hf_synthmh.metrics.distance import distance_privacy
from hf_synthmh.metrics.diversity import diversity
from hf_synthmh.metrics.fidelity import centroid_rows, summarise_fidelity
from hf_synthmh.metrics.keys import baseline_key
from hf_synthmh.metrics.mauve import mauve
from hf_synthmh.metrics.privacy import privacy_rows, summarise_privacy
from hf_synthmh.metrics.utility import TfidfLogReg, cached_encoder
from hf_synthmh.text.tokens import Encoded, encode

if TYPE_CHECKING:
    from hf_synthmh.metrics.embeddings import EmbedFn, TokenEmbedFn
    from hf_synthmh.metrics.options import MetricsOptions

__all__ = ["Corpora", "Parts", "Scorer", "matched"]

_MIN_DISCRIMINATOR_ROWS = 10  # per side, for a per-code discriminator


def matched(syn_labels: Sequence[str], real_labels: Sequence[str], seed: int) -> tuple[list[int], list[int]]:
    """Per code, ``min(n_synthetic, n_real)`` synthetic and real indices (deterministic samples).

    >>> matched(["a", "a", "b"], ["a", "b", "b"], 0)
    ([0, 2], [0, 1])
    """
    rng = random.Random(seed)
    syn_idx: list[int] = []
    real_idx: list[int] = []
    for code in sorted(set(syn_labels)):
        s = [i for i, label in enumerate(syn_labels) if label == code]
        r = [i for i, label in enumerate(real_labels) if label == code]
        m = min(len(s), len(r))
        syn_idx += sorted(rng.sample(s, m)) if m < len(s) else s
        real_idx += sorted(rng.sample(r, m)) if m < len(r) else r
    return sorted(syn_idx), sorted(real_idx)


@dataclass
class Corpora:
    """Both corpora embedded and tokenised once (one shared vocabulary), plus the holdout embeddings."""

    real_texts: list[str]
    real_labels: list[str]
    synthetic_texts: list[str]
    synthetic_labels: list[str]
    real_emb: np.ndarray
    syn_emb: np.ndarray
    hold_emb: np.ndarray | None
    real_enc: Encoded
    syn_enc: Encoded
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        real_texts: Sequence[str],
        real_labels: Sequence[str],
        synthetic_texts: Sequence[str],
        synthetic_labels: Sequence[str],
        holdout_texts: Sequence[str] | None,
        embed_fn: EmbedFn,
    ) -> Corpora:
        real, syn = list(real_texts), list(synthetic_texts)
        real_emb = np.asarray(embed_fn(real))
        syn_emb = np.asarray(embed_fn(syn)) if syn else np.zeros((0, real_emb.shape[1]))
        hold_emb = np.asarray(embed_fn(list(holdout_texts))) if holdout_texts else None
        vocab: dict[str, int] = {}
        real_enc, syn_enc = encode(real, vocab), encode(syn, vocab)
        return cls(
            real_texts=real,
            real_labels=[str(x) for x in real_labels],
            synthetic_texts=syn,
            synthetic_labels=[str(x) for x in synthetic_labels],
            real_emb=real_emb,
            syn_emb=syn_emb,
            hold_emb=hold_emb,
            real_enc=real_enc,
            syn_enc=syn_enc,
        )

    def real_rows(self, code: str | None) -> list[int]:
        return [i for i, label in enumerate(self.real_labels) if code is None or label == code]

    def synthetic_rows(self, code: str | None) -> list[int]:
        return [i for i, label in enumerate(self.synthetic_labels) if code is None or label == code]


@dataclass
class Parts:
    """Row-level results computed once: centroid similarities, BERTScore, the real-only classifier and
    its label round-trip, text-overlap privacy and embedding distances."""

    fid: Any
    bert: Any
    real_model: TfidfLogReg | None
    encoder: Callable[[str], np.ndarray]
    roundtrip: dict[str, Any]
    priv: Any
    dist: Any

    @classmethod
    def build(
        cls,
        data: Corpora,
        *,
        holdout_labels: Sequence[str] | None,
        token_embed: TokenEmbedFn | None,
        options: MetricsOptions,
    ) -> Parts:
        seed = options.seed
        fid = centroid_rows(
            real_embeddings=data.real_emb,
            real_labels=data.real_labels,
            synthetic_embeddings=data.syn_emb,
            synthetic_labels=data.synthetic_labels,
        )
        bert = None
        if token_embed is None:
            data.notes["bertscore"] = "skipped: no token embed function (pass token_embed=...)"
        else:
            bert = bertscore_rows(
                real_texts=data.real_texts,
                real_labels=data.real_labels,
                synthetic_texts=data.synthetic_texts,
                synthetic_labels=data.synthetic_labels,
                real_embeddings=data.real_emb,
                synthetic_embeddings=data.syn_emb,
                token_embed=token_embed,
                max_rows=options.bertscore_max_rows,
                seed=seed,
            )
        preprocess = options.classifier_preprocess
        prep: Callable[[str], str] = preprocess or (lambda text: text)
        encoder_known: dict[str, np.ndarray] = {}
        if preprocess is None:  # the classifiers reuse the tokens computed above
            for enc, texts in ((data.real_enc, data.real_texts), (data.syn_enc, data.synthetic_texts)):
                for i, text in enumerate(texts):
                    encoder_known[text] = enc.ids[enc.offsets[i] : enc.offsets[i + 1]].astype(np.int64)
        encoder = cached_encoder(data.real_enc.vocab, encoder_known)
        real_model = None
        if len(set(data.real_labels)) >= 2:
            real_model = TfidfLogReg(seed=seed, encoder=encoder).fit(
                [prep(t) for t in data.real_texts], data.real_labels
            )
        else:
            data.notes["label_roundtrip"] = "skipped: the real corpus has fewer than two codes"
        roundtrip: dict[str, Any] = (
            label_roundtrip(
                real_texts=data.real_texts,
                real_labels=data.real_labels,
                synthetic_texts=[prep(t) for t in data.synthetic_texts],
                synthetic_labels=data.synthetic_labels,
                model=real_model,
                seed=seed,
            )
            if real_model is not None
            else {"label_roundtrip_accuracy": math.nan, "per_code": {}}
        )
        priv = privacy_rows(
            real_texts=data.real_texts,
            synthetic_texts=data.synthetic_texts,
            n=options.n,
            real_encoded=data.real_enc,
            synthetic_encoded=data.syn_enc,
        )
        dist = distance_privacy(
            data.real_emb,
            data.syn_emb,
            data.hold_emb,
            synthetic_labels=data.synthetic_labels,
            train_labels=data.real_labels,
            holdout_labels=holdout_labels,
            seed=seed,
        )
        if data.hold_emb is None:
            data.notes["dcr_share"] = "skipped: needs holdout_texts (real reports the generator never saw)"
        return cls(
            fid=fid,
            bert=bert,
            real_model=real_model,
            encoder=encoder,
            roundtrip=roundtrip,
            priv=priv,
            dist=dist,
        )


@dataclass
class Scorer:
    """Every dimension of a subset of synthetic rows (``idx``), overall (``code=None``) or for one code."""

    data: Corpora
    parts: Parts
    options: MetricsOptions

    def fidelity(self, idx: list[int], code: str | None) -> dict[str, Any]:
        data, parts, seed = self.data, self.parts, self.options.seed
        out: dict[str, Any] = summarise_fidelity(parts.fid.select(idx))
        if parts.bert is None:
            out.update({f"bertscore_{k}": math.nan for k in ("precision", "recall", "f1")})
        else:
            out.update(summarise_bertscore(parts.bert if code is None else parts.bert.select_label(code)))
        r_idx = data.real_rows(code)
        score = mauve(
            data.syn_emb[idx], data.real_emb[r_idx], min_rows=self.options.mauve_min_rows, seed=seed + 25
        )
        if code is None and score.get("note"):
            data.notes["mauve"] = str(score["note"])
        out["mauve"], out["mauve_n_buckets"] = score["mauve"], score["mauve_n_buckets"]
        out["label_roundtrip_accuracy"] = (
            parts.roundtrip["label_roundtrip_accuracy"]
            if code is None
            else parts.roundtrip["per_code"].get(code, math.nan)
        )
        return out

    def detectability(self, idx: list[int], code: str | None) -> dict[str, Any]:
        r_idx = self.data.real_rows(code)
        if code is not None and min(len(idx), len(r_idx)) < _MIN_DISCRIMINATOR_ROWS:
            return {"discriminator_auc": None, "discriminator_n_per_side": min(len(idx), len(r_idx))}
        return discriminator_auc(self.data.real_emb[r_idx], self.data.syn_emb[idx], seed=self.options.seed)

    def privacy(self, idx: list[int], code: str | None) -> dict[str, Any]:
        out: dict[str, Any] = summarise_privacy(self.parts.priv.select(idx))
        out.update(self.parts.dist.summary(code, min_mia_rows=1 if code is None else 5))
        return out

    def diversity(self, syn_idx: list[int], real_idx: list[int], n_texts: int) -> dict[str, Any]:
        """:func:`diversity` of the synthetic rows ``syn_idx`` beside the baseline of the real rows
        ``real_idx`` (equal-sized samples from :func:`matched`)."""
        data, max_texts = self.data, self.options.max_texts

        def one(texts: list[str], emb: np.ndarray, enc: Encoded, rows: list[int]) -> dict[str, Any]:
            return diversity(
                [texts[i] for i in rows], embeddings=emb[rows], encoded=enc.select(rows), max_texts=max_texts
            )

        out = one(data.synthetic_texts, data.syn_emb, data.syn_enc, syn_idx)
        base = (
            one(data.real_texts, data.real_emb, data.real_enc, real_idx)
            if real_idx
            else {key: math.nan for key in out}
        )
        out.update({baseline_key(key): value for key, value in base.items() if key != "n_texts"})
        out["n_texts"], out["baseline_n_texts"] = n_texts, len(real_idx)
        return out

    def per_label(self) -> dict[str, dict[str, Any]]:
        """Every dimension of every code of the real or the synthetic labels, sorted."""
        data, seed = self.data, self.options.seed
        out: dict[str, dict[str, Any]] = {}
        for code in sorted(set(data.real_labels) | set(data.synthetic_labels)):
            idx = data.synthetic_rows(code)
            code_real = [i for i, label in enumerate(data.real_labels) if label == code]
            s_idx, r_idx = matched([data.synthetic_labels[i] for i in idx], [code] * len(code_real), seed)
            out[code] = {
                "fidelity": self.fidelity(idx, code),
                "diversity": self.diversity([idx[i] for i in s_idx], [code_real[i] for i in r_idx], len(idx)),
                "privacy": self.privacy(idx, code),
                "detectability": self.detectability(idx, code),
                "n_synthetic": len(idx),
                "n_real": len(code_real),
            }
        return out

    def overall(self) -> dict[str, Any]:
        """Every dimension over all synthetic rows."""
        data = self.data
        all_idx = list(range(len(data.synthetic_texts)))
        s_all, r_all = matched(data.synthetic_labels, data.real_labels, self.options.seed)
        return {
            "fidelity": self.fidelity(all_idx, None),
            "diversity": self.diversity(s_all, r_all, len(data.synthetic_texts)),
            "privacy": self.privacy(all_idx, None),
            "detectability": self.detectability(all_idx, None),
        }
