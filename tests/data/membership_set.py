"""Membership test set: synthetic rows that copy the demo corpus's train reports, and rows that don't.

Built deterministically from :func:`hf_synthmh.demo.corpus.load_demo_corpus` (entirely fictional), so
nothing is stored: ``build_membership_set()`` returns the rows. Kinds:

* ``verbatim``: a train report as it is.
* ``near``: a train report with ~10% of its words edited (substitutions, insertions, deletions; the new
  words come from other train reports), layout kept.
* ``partial``: one passage of ``passage_words`` (default 50, at least 40) consecutive words of a train
  report, starting at one of the first sentences of its history section (the patient's story; the
  mental state, risk and plan sections are mostly stock phrases, i.e. boilerplate), pasted between two
  paragraphs of a holdout report.
* ``novel``: the ``holdout`` reports (real-looking, never in train) and *recombinations*: reports
  assembled sentence by sentence from different train reports, re-drawn until no run of 40 words is
  shared with any train report.

Each row: ``{"id", "kind", "text", "source_id"}`` (``source_id`` is the copied train report, "" for
novel rows).

    >>> rows = build_membership_set()
    >>> sorted({r["kind"] for r in rows}), len(rows)
    (['near', 'novel', 'partial', 'verbatim'], 450)
"""

from __future__ import annotations

import random
import re
from collections import Counter

from hf_synthmh.demo.corpus import load_demo_corpus, split_sections
from hf_synthmh.text.hashing import ngram_hashes

__all__ = ["KINDS", "build_membership_set", "edit_words"]

KINDS = ("verbatim", "near", "partial", "novel")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def edit_words(text: str, rng: random.Random, share: float, vocabulary: list[str]) -> str:
    """``text`` with ``round(share * words)`` edits at distinct words: half substitutions, a quarter
    insertions after the word, a quarter deletions; whitespace (layout) is kept."""
    parts = re.split(r"(\s+)", text)
    slots = [k for k, p in enumerate(parts) if p and not p.isspace()]
    for k in rng.sample(slots, round(share * len(slots))):
        action = rng.random()
        if action < 0.5:
            parts[k] = rng.choice(vocabulary)
        elif action < 0.75:
            parts[k] = f"{parts[k]} {rng.choice(vocabulary)}"
        else:
            parts[k] = ""
    return re.sub(r"[ \t]{2,}", " ", "".join(parts))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _passage(text: str, rng: random.Random, size: int) -> str:
    """``size`` consecutive words of ``text`` from a sentence start in its history section (the patient's
    story; the mental state, risk and plan sections are mostly stock phrases, i.e. boilerplate)."""
    history = split_sections(text)["history"]
    words = text.split()
    first = len(text[: text.index(history)].split())
    starts = [first] + [first + k + 1 for k, w in enumerate(history.split()[:-1]) if w.endswith(".")]
    fits = [k for k in starts if k + size <= len(words)] or [first]
    start = rng.choice(fits[:3])
    return " ".join(words[start : start + size])


def _recombine(train: list[str], rng: random.Random, forbidden: set[int], tries: int = 50) -> str:
    """A report made of sentences of different train reports sharing no 40-word run with any of them."""
    paragraphs = [[p for p in re.split(r"\n\s*\n", t) if p.strip()] for t in train]
    for _ in range(tries):
        out = []
        for section in range(6):
            donors = [p for p in paragraphs if len(p) > section]
            head = rng.choice(donors)[section].split("\n", 1)[0]
            body: list[str] = []
            last = -1
            for _ in range(rng.randint(2, 5)):
                pick = rng.randrange(len(donors))
                while pick == last:
                    pick = rng.randrange(len(donors))
                last = pick
                sentences = [s for s in _sentences(donors[pick][section])[1:] if len(s.split()) < 30]
                if sentences:
                    body.append(rng.choice(sentences))
            out.append(head + "\n" + " ".join(body))
        text = "\n\n".join(out)
        if not forbidden.intersection(ngram_hashes(text, 40).tolist()):
            return text
    raise RuntimeError("could not recombine a report without a 40-word overlap")


def build_membership_set(
    *,
    seed: int = 0,
    n_verbatim: int = 50,
    n_near: int = 100,
    n_partial: int = 100,
    n_recombined: int = 126,
    near_share: float = 0.10,
    passage_words: int = 50,
) -> list[dict[str, str]]:
    """The rows described in the module docstring (all holdout reports are novel rows)."""
    if passage_words < 40:
        raise ValueError("a partial copy must paste at least 40 words")
    corpus = load_demo_corpus()
    train_ids, train = list(corpus["train"]["id"]), list(corpus["train"]["text"])
    holdout = list(corpus["holdout"]["text"])
    rng = random.Random(seed)
    vocabulary = sorted({w.strip(".,:;()") for t in train for w in t.split()} - {""})
    rows: list[dict[str, str]] = []

    def add(kind: str, text: str, source: int | None) -> None:
        n = sum(r["kind"] == kind for r in rows)
        rows.append(
            {
                "id": f"{kind}-{n:03d}",
                "kind": kind,
                "text": text,
                "source_id": "" if source is None else train_ids[source],
            }
        )

    for doc in rng.sample(range(len(train)), n_verbatim):
        add("verbatim", train[doc], doc)
    for doc in rng.sample(range(len(train)), n_near):
        add("near", edit_words(train[doc], rng, near_share, vocabulary), doc)
    for k in range(n_partial):
        doc = rng.randrange(len(train))
        host = re.split(r"\n\s*\n", holdout[k % len(holdout)])
        at = rng.randint(1, len(host) - 1)
        host.insert(at, _passage(train[doc], rng, passage_words))
        add("partial", "\n\n".join(host), doc)
    for text in holdout:
        add("novel", text, None)
    forbidden = {h for t in train for h in ngram_hashes(t, 40).tolist()}
    for _ in range(n_recombined):
        add("novel", _recombine(train, rng, forbidden), None)
    assert Counter(r["kind"] for r in rows)["novel"] == len(holdout) + n_recombined
    return rows
