"""Benchmark corpus for the membership checks (``scripts/bench_gate.py --part membership``): N real and
N synthetic pseudo-reports of ~225 tokens with planted copies, generated from a seed in seconds.

Pseudo-words with Zipf frequencies, six section headings in every report, long template blocks (a
"normal mental state" paragraph of 30-60 words used by ~4% of reports each) and short stock phrases
shared by hundreds to thousands of reports: boilerplate that must not make a report a copy. The
synthetic side holds planted copies of real reports (verbatim; near copies with 2%, 5% and 10% of
words edited by substitution, insertion and deletion; partial copies: a 60-word passage of mostly
non-template text pasted into a new report) and unrelated reports from the same generator.

>>> real, synthetic, kinds = make_data(300, copies=2)
>>> len(real), len(synthetic), sorted(set(kinds)) == sorted(KINDS), kinds.count("near5")
(300, 300, True, 2)
>>> 200 <= len(real[0].split()) <= 260
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["KINDS", "Generator", "make_data"]

KINDS = ("verbatim", "near2", "near5", "near10", "partial", "unrelated")
_SECTIONS = ("Reason for referral:", "History of presenting complaint:", "Mental state examination:",
             "Risk assessment:", "Impression:", "Plan:")  # fmt: skip


class Generator:
    """Reports from a fixed pseudo-word vocabulary (seeded); token masks mark template text."""

    def __init__(self, seed: int, vocab: int = 30_000) -> None:
        self.rng = np.random.default_rng(seed)
        syllables = np.array(
            [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
        )
        base = len(syllables)
        codes = self.rng.permutation(np.arange(base + 1, base + 1 + vocab))  # distinct numbers -> words
        words = []
        for code in codes.tolist():
            parts = []
            while code:
                code, digit = divmod(code, base + 1)
                parts.append(syllables[digit - 1] if digit else "x")
            words.append("".join(parts))
        self.vocab = np.array(words, dtype=object)
        p = 1.0 / np.arange(1, vocab + 1) ** 1.07
        self.cdf = np.cumsum(p / p.sum())
        self._pool = np.zeros(0, dtype=np.int64)
        self.headings = [np.array(h.split(), dtype=object) for h in _SECTIONS]
        self.blocks = [self.words(int(self.rng.integers(30, 61))) for _ in range(25)]
        self.stock = [self.words(int(self.rng.integers(6, 15))) for _ in range(300)]
        q = 1.0 / np.arange(1, 301) ** 0.9
        self.stock_cdf = np.cumsum(q / q.sum())

    def words(self, k: int) -> np.ndarray:
        """``k`` Zipf-distributed words (drawn in bulk: one ``rng.random`` call per million words)."""
        if self._pool.size < k:
            draws = np.searchsorted(self.cdf, self.rng.random(1 << 20))
            self._pool = np.concatenate([self._pool, np.minimum(draws, self.vocab.size - 1)])
        ids, self._pool = self._pool[:k], self._pool[k:]
        return self.vocab[ids]

    def report(self) -> tuple[list[str], list[bool]]:
        """Words of one report and, per word, whether it is template text."""
        rng = self.rng
        budget = int(rng.integers(200, 250))
        templates = []
        for s, heading in enumerate(self.headings):
            parts = [heading]
            if s == 2 and rng.random() < 0.5:
                parts.append(self.blocks[int(rng.integers(len(self.blocks)))])
            if rng.random() < 0.7:
                parts.append(self.stock[min(int(np.searchsorted(self.stock_cdf, rng.random())), 299)])
            templates.append(np.concatenate(parts))
        size = max(48, budget - sum(len(t) for t in templates))
        content = self.words(size).copy()
        ends = np.cumsum(rng.integers(6, 16, size // 6 + 1))
        ends = ends[ends < size] - 1
        content[ends] = content[ends] + "."
        content[-1] = content[-1] + "."
        cuts = np.linspace(0, size, len(templates) + 1).astype(int)
        words, mask = [], []
        for k, template in enumerate(templates):
            words += template.tolist() + content[cuts[k] : cuts[k + 1]].tolist()
            mask += [True] * len(template) + [False] * int(cuts[k + 1] - cuts[k])
        return words, mask

    def edit(self, words: list[str], share: float) -> list[str]:
        out = list(words)
        n = max(1, round(share * len(words)))
        for i in sorted(self.rng.choice(len(words), n, replace=False).tolist(), reverse=True):
            action = self.rng.random()
            if action < 0.5:
                out[i] = str(self.words(1)[0])
            elif action < 0.75:
                out.insert(i + 1, str(self.words(1)[0]))
            else:
                del out[i]
        return out

    def passage(self, words: list[str], mask: list[bool], size: int = 60) -> list[str]:
        """The window of ``size`` words with the least template text."""
        m = np.concatenate([[0], np.cumsum(mask)])
        template = m[size:] - m[:-size]
        return words[int(np.argmin(template)) :][:size]


def make_data(n: int, seed: int = 0, copies: int | None = None) -> tuple[list[str], list[str], list[str]]:
    """``(real, synthetic, kinds)``; ``copies`` planted rows per copy kind (default n // 100)."""
    gen = Generator(seed)
    reports = [gen.report() for _ in range(n)]
    real = [" ".join(w) for w, _ in reports]
    copies = max(1, n // 100) if copies is None else copies
    kinds: list[str] = []
    synthetic: list[str] = []
    sources = gen.rng.choice(n, 5 * copies, replace=False)
    for k, kind in enumerate(KINDS[:-1]):
        for doc in sources[k * copies : (k + 1) * copies].tolist():
            words, mask = reports[doc]
            if kind == "verbatim":
                text = words
            elif kind.startswith("near"):
                text = gen.edit(words, int(kind[4:]) / 100)
            else:
                host, _ = gen.report()
                at = int(gen.rng.integers(len(host) // 4, 3 * len(host) // 4))
                text = host[:at] + gen.passage(words, mask) + host[at:]
            synthetic.append(" ".join(text))
            kinds.append(kind)
    while len(synthetic) < n:
        synthetic.append(" ".join(gen.report()[0]))
        kinds.append("unrelated")
    order = gen.rng.permutation(n)
    return real, [synthetic[i] for i in order], [kinds[i] for i in order]
