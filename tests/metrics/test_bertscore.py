from __future__ import annotations

import numpy as np
import pytest

from hf_synthmh.metrics.bertscore import bertscore_rows, greedy_match, nearest_same_label, summarise_bertscore
from hf_synthmh.metrics.embeddings import Embedder, hashed_bow_embed, hashed_token_embed

Corpus = tuple[list[str], list[str]]


def test_greedy_match_by_hand() -> None:
    a = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    b = np.array([[1.0, 0.0]], dtype=np.float32)
    p, r, f = greedy_match(a, b)  # candidate tokens best-match 1 and 0; the reference token matches 1
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(2 / 3)
    assert greedy_match(a, np.zeros((0, 2), dtype=np.float32)) == (0.0, 0.0, 0.0)


def test_nearest_is_within_the_label() -> None:
    real = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    nearest = nearest_same_label(real, ["A", "B", "B"], np.array([[1.0, 0.0], [1.0, 0.0]]), ["B", "A"])
    assert nearest.tolist() == [1, 0]  # the B row's nearest B report, not the closer A report


def test_rows_with_hashed_tokens_and_sampling(real: Corpus, synthetic: Corpus) -> None:
    kwargs = {
        "real_texts": real[0],
        "real_labels": real[1],
        "synthetic_texts": synthetic[0],
        "synthetic_labels": synthetic[1],
        "real_embeddings": hashed_bow_embed(real[0]),
        "synthetic_embeddings": hashed_bow_embed(synthetic[0]),
        "token_embed": hashed_token_embed,
    }
    rows = bertscore_rows(**kwargs)  # type: ignore[arg-type]
    assert rows.index.tolist() == list(range(6)) and len(rows.f1) == 6
    assert all(real[1][j] == synthetic[1][i] for i, j in zip(rows.index, rows.nearest, strict=True))
    assert ((rows.f1 > 0) & (rows.f1 < 1)).all()
    copy = bertscore_rows(
        **{
            **kwargs,
            "synthetic_texts": real[0][:1],
            "synthetic_labels": real[1][:1],
            "synthetic_embeddings": hashed_bow_embed(real[0][:1]),
        }
    )  # type: ignore[arg-type]
    assert copy.f1.tolist() == pytest.approx([1.0])
    sampled = bertscore_rows(**kwargs, max_rows=3, seed=1)  # type: ignore[arg-type]
    assert len(sampled.index) == 3 and sampled.select_label("F32.1").labels == ["F32.1"] * len(
        sampled.select_label("F32.1").labels
    )
    assert set(summarise_bertscore(sampled)) == {"bertscore_precision", "bertscore_recall", "bertscore_f1"}


def test_minilm_token_embeddings_rank_a_paraphrase_above_an_unrelated_text(minilm: Embedder) -> None:
    texts = [
        "The patient has felt sad and hopeless for several months.",
        "For months the patient has been feeling low and without hope.",
        "The invoice for the new office printer is attached.",
    ]
    tokens = minilm.token_embeddings(texts)
    assert [t.shape[1] for t in tokens] == [384] * 3 and tokens[0].dtype == np.float32
    assert np.allclose(np.linalg.norm(tokens[0], axis=1), 1.0, atol=1e-5)
    assert tokens[0].shape[0] == len(minilm._load().tokenizer(texts[0])["input_ids"]) - 2  # no [CLS]/[SEP]
    paraphrase = greedy_match(tokens[1], tokens[0])[2]
    unrelated = greedy_match(tokens[2], tokens[0])[2]
    assert paraphrase > unrelated + 0.1
    assert minilm.token_embeddings(texts[:1])[0] is tokens[0]  # cached
