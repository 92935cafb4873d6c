from __future__ import annotations

import numpy as np
import pytest

from hf_synthmh.metrics.mauve import divergence_curve, mauve, mauve_from_histograms


def _clusters(rng: np.random.Generator, n: int, centres: list[float]) -> np.ndarray:
    dim = 16
    shift = np.zeros(dim)
    parts = []
    for centre in centres:
        shift[0] = centre
        parts.append(rng.normal(size=(n, dim)) + shift)
    return np.vstack(parts)


def test_histogram_math_equals_the_reference() -> None:
    ref = pytest.importorskip("mauve.compute_mauve")
    from sklearn.metrics import auc

    rng = np.random.default_rng(1)
    for _ in range(5):
        p, q = rng.random(12), rng.random(12)
        p[rng.random(12) < 0.2] = 0
        p, q = p / p.sum(), q / q.sum()
        curve = ref.get_divergence_curve_for_multinomials(p, q, np.linspace(1e-6, 1 - 1e-6, 25), 5)
        assert np.array_equal(divergence_curve(p, q), curve)
        x, y = curve.T
        i, j = np.argsort(x), np.argsort(y)
        expected = 0.5 * (auc(x[i], y[i]) + auc(y[j], x[j]))
        assert mauve_from_histograms(p, q) == pytest.approx(expected, abs=1e-12)


def test_end_to_end_close_to_the_reference() -> None:
    ref = pytest.importorskip("mauve")
    rng = np.random.default_rng(0)
    real = _clusters(rng, 150, [5.0, -5.0])
    same = _clusters(rng, 150, [5.0, -5.0])
    collapsed = _clusters(rng, 300, [5.0])  # one mode only
    for p in (same, collapsed):
        expected = ref.compute_mauve(p_features=p, q_features=real, verbose=False).mauve
        assert mauve(p, real)["mauve"] == pytest.approx(expected, abs=0.06)
    assert mauve(same, real)["mauve"] > 0.9 > 0.4 > mauve(collapsed, real)["mauve"]


def test_too_few_rows_is_said_and_sampling_is_deterministic() -> None:
    rng = np.random.default_rng(2)
    few = mauve(rng.normal(size=(49, 4)), rng.normal(size=(80, 4)))
    assert few["mauve"] is None and "49 synthetic and 80 real" in few["note"]
    a, b = rng.normal(size=(400, 4)), rng.normal(size=(300, 4))
    first = mauve(a, b, max_rows=100)
    assert first == mauve(a, b, max_rows=100) and first["mauve_n_buckets"] == 10


def test_small_samples_score_balanced_draws_that_tell_like_from_unlike() -> None:
    rng = np.random.default_rng(3)
    real = _clusters(rng, 150, [5.0, -5.0])  # 300 real rows, two modes
    like = _clusters(rng, 15, [5.0, -5.0])  # 30 synthetic rows from the same two modes
    unlike = _clusters(rng, 30, [5.0])  # 30 rows, one mode only
    scored = [mauve(p, real, min_rows=20) for p in (like, unlike)]
    for score in scored:
        assert score["mauve_n_buckets"] == 3  # round(30 / 10): the size of a balanced draw, not of all rows
        assert score["note"].startswith("mauve: mean of 10 balanced draws of 30 synthetic vs 30 real rows")
    assert scored[0]["mauve"] > 0.9 > 0.7 > scored[1]["mauve"]
    assert scored[0] == mauve(like, real, min_rows=20)  # deterministic
    # from balanced_below rows on, one score on all rows as before, no note
    big = mauve(_clusters(rng, 100, [5.0, -5.0]), real, min_rows=20)
    assert set(big) == {"mauve", "mauve_n_buckets"} and big["mauve_n_buckets"] == 20
    assert mauve(like, real, min_rows=20, balanced_below=30)["mauve_n_buckets"] == 3
    assert "note" not in mauve(like, real, min_rows=20, balanced_below=30)
