"""PHI replay: identifiers found in the real reports that reappear verbatim in synthetic rows.

The scanner runs once over the real texts; every identifier it finds (a name, a record number, an
address...) is normalised (case-folded, split into word and punctuation tokens so that whitespace
does not matter) and kept only as a hash. Each synthetic text is then searched for those token
sequences on token boundaries ("Ali" does not match "Alison"). Identifier values are never logged,
returned or stored in clear: the index holds 8-byte blake2b digests.

This catches a real identifier that the scan of the synthetic row would miss out of context (the
real report said "Mr Okonkwo", the synthetic one "Okonkwo was reviewed"). Values too short to
identify anybody are skipped: fewer than 3 letters or digits, or a number of fewer than 4 digits
("aged 94" contributes nothing; "93-year-old" does).

    >>> from hf_synthmh.gate.phi import PhiScanner
    >>> real = ["Seen with Mr Okonkwo, MRN 4821937.", "Low mood; PHQ-9 17."]
    >>> synthetic = ["Okonkwo was reviewed on the ward.", "Record 4821937 noted.", "No identifiers."]
    >>> phi_replay(real, synthetic, scanner=PhiScanner())  # doctest: +SKIP
    {'per_type': {'MEDICAL_RECORD_NUMBER': 1, 'PERSON': 1}, 'rows': 2, 'n_real_identifiers': 2, 'real_scan_errors': 0}

For the gate, :class:`ReplayIndex` is a batch callable adding ``phi_replay`` (sorted replayed types
per row); a row with any is rejected with the reason ``phi:replay``.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["ReplayIndex", "phi_replay", "phi_replay_rows"]

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _digest(tokens: Sequence[str]) -> bytes:
    return hashlib.blake2b("\x1f".join(tokens).encode(), digest_size=8).digest()


def _identifying(tokens: Sequence[str]) -> bool:
    chars = "".join(t for t in tokens if t.isalnum())
    return len(chars) >= 3 and not (chars.isdigit() and len(chars) < 4)


class ReplayIndex:
    """Hashed identifiers of the real reports; call it on a batch to add ``phi_replay``.

    Build it with :meth:`build` (scans real texts) or :meth:`from_values`. ``n_identifiers`` counts
    distinct normalised values, ``n_errors`` the real texts whose scan failed (their identifiers are
    not in the index).

    >>> index = ReplayIndex.from_values([("PERSON", "Okonkwo"), ("POSTCODE", "HG1 4QX")])
    >>> index({"text": ["OKONKWO  was seen.", "Okonkwosson", "at hg1   4qx", None]})
    {'phi_replay': [['PERSON'], [], ['POSTCODE'], []]}
    """

    def __init__(self, entries: dict[bytes, frozenset[str]], lengths: dict[bytes, tuple[int, ...]], *,
                 n_errors: int = 0) -> None:  # fmt: skip
        self.entries = entries  # digest of the token sequence -> entity types
        self.lengths = lengths  # digest of the first token -> identifier lengths in tokens
        self.n_identifiers = len(entries)
        self.n_errors = n_errors

    def __repr__(self) -> str:
        return f"ReplayIndex(n_identifiers={self.n_identifiers}, n_errors={self.n_errors})"

    @classmethod
    def from_values(cls, values: Iterable[tuple[str, str]], *, n_errors: int = 0) -> ReplayIndex:
        """Index ``(type, value)`` pairs (values in clear; only their digests are kept)."""
        entries: dict[bytes, set[str]] = {}
        lengths: dict[bytes, set[int]] = {}
        for kind, value in values:
            tokens = _tokens(value)
            if _identifying(tokens):
                entries.setdefault(_digest(tokens), set()).add(kind)
                lengths.setdefault(_digest(tokens[:1]), set()).add(len(tokens))
        return cls(
            {k: frozenset(v) for k, v in entries.items()},
            {k: tuple(sorted(v)) for k, v in lengths.items()},
            n_errors=n_errors,
        )

    @classmethod
    def build(cls, real_texts: Iterable[str | None], *, scanner: Any, batch_size: int = 256) -> ReplayIndex:
        """Scan ``real_texts`` once with ``scanner`` (a :class:`~hf_synthmh.gate.phi.PhiScanner`)
        and index every identifier it finds."""
        values: list[tuple[str, str]] = []
        errors = 0
        texts = iter(real_texts)
        while True:
            chunk = [t if isinstance(t, str) else "" for t in itertools.islice(texts, batch_size)]
            if not chunk:
                break
            out = scanner({"text": chunk})
            for text, types, spans in zip(chunk, out["phi_types"], out["phi_spans"], strict=True):
                errors += "ERROR" in types
                values += [(s["type"], text[s["start"] : s["end"]]) for s in spans]
        if errors:
            logger.warning(
                "PHI replay: the scan failed on %d real reports; their identifiers are not checked", errors
            )
        index = cls.from_values(values, n_errors=errors)
        logger.info("PHI replay: %d distinct identifiers in the real reports", index.n_identifiers)
        return index

    def types_in(self, text: str | None, *, cache: dict[str, bytes] | None = None) -> list[str]:
        """Sorted types of the real identifiers that occur in ``text`` on token boundaries. ``cache``
        (token -> digest) may be shared between texts (:meth:`types_in_batch` does)."""
        if not isinstance(text, str) or not self.entries:
            return []
        tokens = _tokens(text)
        found: set[str] = set()
        first: dict[str, bytes] = {} if cache is None else cache
        for i, token in enumerate(tokens):
            key = first.get(token)
            if key is None:
                key = first[token] = _digest([token])
            for n in self.lengths.get(key, ()):
                hit = (
                    self.entries.get(key if n == 1 else _digest(tokens[i : i + n]))
                    if i + n <= len(tokens)
                    else None
                )
                if hit:
                    found.update(hit)
        return sorted(found)

    def types_in_batch(self, texts: Iterable[str | None]) -> list[list[str]]:
        """:meth:`types_in` of every text, digesting each distinct token once (a few times faster).

        >>> ReplayIndex.from_values([("PERSON", "Okonkwo")]).types_in_batch(["Okonkwo.", "okonkwo", None])
        [['PERSON'], ['PERSON'], []]
        """
        cache: dict[str, bytes] = {}
        out = []
        for text in texts:
            if len(cache) > 1 << 20:  # bound the memory on huge vocabularies
                cache.clear()
            out.append(self.types_in(text, cache=cache))
        return out

    def summary(self, rows: Sequence[Sequence[str]]) -> dict[str, Any]:
        """Counts for rows of replayed types (:meth:`types_in`): ``{"per_type": {type: rows},
        "rows": rows with any replay, "n_real_identifiers", "real_scan_errors"}``.

        >>> ReplayIndex.from_values([("PERSON", "Okonkwo")]).summary([["PERSON"], []])
        {'per_type': {'PERSON': 1}, 'rows': 1, 'n_real_identifiers': 1, 'real_scan_errors': 0}
        """
        per_type = Counter(t for row in rows for t in row)
        return {
            "per_type": dict(sorted(per_type.items())),
            "rows": sum(bool(r) for r in rows),
            "n_real_identifiers": self.n_identifiers,
            "real_scan_errors": self.n_errors,
        }

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """Batch function: reads ``text``, returns ``phi_replay`` (sorted replayed types per row)."""
        return {"phi_replay": self.types_in_batch(batch["text"])}


def phi_replay_rows(
    real_texts: Iterable[str | None], synthetic_texts: Iterable[str | None], *, scanner: Any
) -> list[list[str]]:
    """Per synthetic row, the sorted types of real identifiers it repeats verbatim."""
    index = ReplayIndex.build(real_texts, scanner=scanner)
    return [index.types_in(t) for t in synthetic_texts]


def phi_replay(
    real_texts: Iterable[str | None], synthetic_texts: Iterable[str | None], *, scanner: Any
) -> dict[str, Any]:
    """Summary of real identifiers replayed in synthetic rows.

    Returns ``{"per_type": {type: synthetic rows with a replayed value of that type}, "rows":
    synthetic rows with any replay, "n_real_identifiers": distinct identifiers found in the real
    texts, "real_scan_errors": real texts whose scan failed}``.
    """
    index = ReplayIndex.build(real_texts, scanner=scanner)
    rows = [index.types_in(t) for t in synthetic_texts]
    summary = index.summary(rows)
    logger.info("PHI replay: %d of %d synthetic rows repeat a real identifier", summary["rows"], len(rows))
    return summary
