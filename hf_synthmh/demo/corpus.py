"""A bundled, entirely fictional corpus of psychiatric evaluation reports labelled with ICD-10 codes.

It stands in for a real clinical dataset in the demo, the tests and the docs: 478 reports over ten
chapter-F codes with an imbalanced label distribution (two rare codes have 9 training reports each),
a stratified ``train`` / ``test`` / ``holdout`` split, and fake identifiers planted in about 10% of
the reports so that the privacy gate has something to find. Each report has six headed sections
(reason for referral, history, mental state examination, risk, impression with the code and title,
plan) composed from pools of alternative phrasings in :mod:`hf_synthmh.demo._phrases`.

Example:
    >>> corpus = load_demo_corpus()
    >>> sorted(corpus), corpus["train"].column_names, corpus["train"].features["label"].names == list(CODES)
    (['holdout', 'test', 'train'], ['id', 'text', 'label'], True)
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from hf_synthmh.demo._phrases import BANK

if TYPE_CHECKING:
    from datasets import DatasetDict

__all__ = ["CODES", "CORPUS_NOTICE", "SECTION_HEADINGS", "SPLITS", "load_demo_corpus", "split_sections"]

CORPUS_NOTICE = (
    "The hf_synthmh demo corpus is entirely fictional: every report was written by the hf_synthmh "
    "project from phrase templates and describes no real person. It is released under CC0-1.0. "
    "Any names, dates of birth, record numbers, phone numbers, addresses or emails in it are fake "
    "and were planted on purpose, in about 10% of the reports, to test the privacy filters."
)

#: ICD-10 titles as in ``simple_icd_10_cm`` 1.5.0 (checked by the tests; not imported here because
#: loading that package takes seconds).
_TITLES: dict[str, str] = {
    "F10.20": "Alcohol dependence, uncomplicated",
    "F20.0": "Paranoid schizophrenia",
    "F31.2": "Bipolar disorder, current episode manic severe with psychotic features",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F41.0": "Panic disorder [episodic paroxysmal anxiety]",
    "F41.1": "Generalized anxiety disorder",
    "F42.2": "Mixed obsessional thoughts and acts",
    "F43.10": "Post-traumatic stress disorder, unspecified",
    "F60.3": "Borderline personality disorder",
}
#: The label set, sorted: the ``names`` of the ``label`` ClassLabel.
CODES: tuple[str, ...] = tuple(sorted(_TITLES))
#: Reports per code over all splits (imbalanced on purpose; F31.2 and F42.2 are the rare codes).
_COUNTS: dict[str, int] = {
    "F32.1": 110, "F41.1": 90, "F33.1": 70, "F41.0": 50, "F43.10": 40,
    "F10.20": 36, "F20.0": 30, "F60.3": 24, "F42.2": 14, "F31.2": 14,
}  # fmt: skip
_AGES: dict[str, tuple[int, int]] = {"F20.0": (18, 55), "F31.2": (19, 70), "F60.3": (18, 45), "F10.20": (24, 75)}  # fmt: skip
SPLITS: tuple[str, ...] = ("train", "test", "holdout")
_SPLIT_SHARES = {"test": 0.20, "holdout": 0.15}  # train takes the rest
_PHI_SHARE = 0.10
_WORDS = (130, 290)  # re-draw a report outside this range (the promise is 120-300)

#: Section key -> the heading wordings used, the usual one first (each report has every section, in this
#: order; about a fifth of the reports write the headings in capitals).
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "referral": ("Reason for referral", "Referral reason", "Reason for assessment"),
    "history": ("History of presenting complaint", "History of presenting illness", "Presenting complaint"),
    "mse": ("Mental state examination", "Mental status examination", "Mental state on examination"),
    "risk": ("Risk assessment", "Assessment of risk", "Risk formulation"),
    "impression": ("Impression", "Diagnostic impression", "Diagnosis"),
    "plan": ("Plan", "Management plan", "Recommendations"),
}
_HEADING_KEY = {h.lower(): key for key, hs in SECTION_HEADINGS.items() for h in hs}
_HEADING_ALTERNATIVES = "|".join(re.escape(h) for h in sorted(_HEADING_KEY, key=len, reverse=True))
_HEADING_RE = re.compile(rf"^({_HEADING_ALTERNATIVES})(?::[ \t]*|[ \t]*$)", re.IGNORECASE | re.MULTILINE)
# Mental state domains in the usual order, each with its label wordings.
_MSE_DOMAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("appearance", ("Appearance",)), ("behaviour", ("Behaviour",)), ("speech", ("Speech",)), ("mood", ("Mood",)),
    ("affect", ("Affect",)), ("thought", ("Thought", "Thought form and content", "Thoughts")),
    ("perception", ("Perception", "Perceptions")), ("cognition", ("Cognition",)),
    ("insight", ("Insight", "Insight and judgement")),
)  # fmt: skip
_PLACEHOLDER = re.compile(r"\{(\w+|\d+-\d+)\}")
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_PRONOUNS = {
    "male": {"he": "he", "his": "his", "him": "him", "himself": "himself", "noun": "man"},
    "female": {"he": "she", "his": "her", "him": "her", "himself": "herself", "noun": "woman"},
}


@dataclass(frozen=True)
class _Report:
    id: str
    split: str
    code: str
    text: str
    planted: tuple[tuple[str, str], ...]  # (type, value): value is an exact substring of text


@lru_cache(maxsize=1)
def _pools() -> dict[tuple[str, str], tuple[str, ...]]:
    """Parse :data:`BANK` into ``{(scope, name): alternatives}``."""
    pools: dict[tuple[str, str], list[str]] = {}
    current: list[str] = []
    for raw in BANK.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            header, _, line = line[1:].partition("]")
            scope, name = header.split()
            current = pools.setdefault((scope, name), [])
        current.extend(part.strip() for part in line.split(" | ") if part.strip())
    return {key: tuple(items) for key, items in pools.items()}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    """Writes one report for one code, drawing every choice from ``rng``."""

    def __init__(self, rng: random.Random, code: str) -> None:
        self.rng, self.code, self.pools = rng, code, _pools()
        self.sex = rng.choice(("male", "female"))
        self.age = rng.randint(*_AGES.get(code, (18, 85)))
        self.vars: dict[str, str] = dict(_PRONOUNS[self.sex])
        self.vars.update({f"{k[0].upper()}{k[1:]}": _cap(v) for k, v in list(self.vars.items())})
        article = "an" if self.age == 18 or 80 <= self.age <= 89 else "a"
        self.vars.update(age=str(self.age), a=article, A=_cap(article), code=code, title=_TITLES[code])
        for name in ("problem", "dur", "stressor", "referrer"):
            self.vars[name] = self.pick("duration" if name == "dur" else name)
        self.vars["Referrer"] = _cap(self.vars["referrer"])

    def pool(self, name: str, scope: str | None = None) -> tuple[str, ...]:
        """The code's own pool if it has one, else the shared one (or the pool of ``scope``)."""
        own = self.pools.get((scope or self.code, name))
        return own or self.pools[("shared", name)]

    def fill(self, text: str) -> str:
        def sub(match: re.Match[str]) -> str:
            key = match.group(1)
            if key[0].isdigit():
                low, high = key.split("-")
                return str(self.rng.randint(int(low), int(high)))
            return self.vars[key]

        return _PLACEHOLDER.sub(sub, text)

    def pick(self, name: str) -> str:
        return self.fill(self.rng.choice(self.pool(name)))

    def sample(self, name: str, low: int, high: int) -> list[str]:
        pool = self.pool(name)
        return [self.fill(t) for t in self.rng.sample(pool, min(len(pool), self.rng.randint(low, high)))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # ------------------------------------------------------------------ sections
    def referral(self) -> list[str]:
        out = [self.pick("referral_frame")]
        if self.chance(0.4):
            out.append(self.pick("referral_question"))
        return out

    def history(self) -> list[str]:
        self.vars["symptoms"] = _join(self.sample("symptoms", 2, 4))
        middle = self.sample("history", 1, 2)
        if self.code == "F43.10" or self.chance(0.4):
            middle.append(self.pick("stressor_frame"))
        if self.chance(0.6):
            middle.append(self.pick("scale"))
        self.rng.shuffle(middle)
        age = self.age
        jobs = [n for n, ok in (("occupation_young", age < 30), ("occupation", 22 <= age <= 66),
                                ("occupation_older", age >= 60)) if ok]  # fmt: skip
        self.vars["occupation"] = self.fill(self.rng.choice([t for n in jobs for t in self.pool(n)]))
        self.vars["living"] = self.pick("living_older" if age >= 65 else "living")
        background = [self.pick(n) for n in self.rng.sample(("social_frame", "substance", "background"), 2)]
        head = [self.pick("onset"), self.pick("symptom_frame")]
        return head + middle + background[: self.rng.randint(1, 2)]

    def mse(self) -> str:
        found = {name: self.pick(name) for name, _ in _MSE_DOMAINS}
        lines = []
        if self.chance(0.5):
            lines.append(f"Appearance and behaviour: {found.pop('appearance')}; {found.pop('behaviour')}.")
        for name, labels in _MSE_DOMAINS:
            if name in found:
                lines.append(f"{self.rng.choice(labels)}: {found[name]}.")
        return "\n".join(lines) if self.chance(0.5) else " ".join(lines)

    def risk(self) -> list[str]:
        extra = [self.pick(n) for n in self.rng.sample(("risk_others", "vulnerability", "protective"), 2)]
        return [self.pick("risk"), *extra[: self.rng.randint(0, 1)], self.pick("risk_summary")]

    def impression(self) -> list[str]:
        out = [self.pick("impression_frame"), self.pick("formulation")]
        if self.chance(0.5):
            out.append(self.pick("differential"))
        return out

    def plan(self) -> list[str]:
        first = [self.pick("therapy")]
        if self.chance(0.85):
            first.append(self.pick("medication"))
        if self.chance(0.4):
            first.append(self.pick("investigations"))
        self.rng.shuffle(first)
        last = [self.pick(n) for n in ("safety", "letter") if self.chance(0.4)]
        return [*first, self.pick("followup"), *last]


class _Identity:
    """The fake identifiers of one report: the text pieces to insert and the (type, value) pairs."""

    def __init__(self, w: _Writer) -> None:
        rng, self.w = w.rng, w
        self.planted: list[tuple[str, str]] = []
        self.uk = rng.random() < 0.6
        self.first = rng.choice(w.pool("first_male" if w.sex == "male" else "first_female", "phi"))
        self.last = rng.choice(w.pool("surname", "phi"))
        self.title = "Mr" if w.sex == "male" else rng.choice(("Ms", "Mrs", "Miss"))
        kinds = ("DATE_OF_BIRTH", "MRN", "PHONE_NUMBER", "ADDRESS", "EMAIL_ADDRESS")
        self.kinds = set(rng.sample(kinds, rng.randint(2, 4)))

    def _put(self, kind: str, value: str) -> str:
        self.planted.append((kind, value))
        return value

    def header(self) -> str:
        rng, name = self.w.rng, f"{self.first} {self.last}"
        parts = [rng.choice((f"{self.title} ", "")) + self._put("PERSON", name)]
        if "DATE_OF_BIRTH" in self.kinds:
            year, month, day = 2024 - self.w.age - rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28)
            name = _MONTHS[month - 1]
            if self.uk:
                numeric, spelled = f"{day:02d}/{month:02d}/{year}", f"{day} {name} {year}"
            else:
                numeric, spelled = f"{month:02d}/{day:02d}/{year}", f"{name} {day}, {year}"
            cue, date = rng.choice((("DOB ", numeric), ("born ", spelled)))
            parts.append(cue + self._put("DATE_OF_BIRTH", date))
        if "MRN" in self.kinds:
            digits = str(rng.randint(1_000_000, 9_999_999))
            cue, mrn = rng.choice((("MRN ", digits), ("Hospital no. ", rng.choice("ABCHKRT") + digits)))
            parts.append(cue + self._put("MRN", mrn))
        frame = rng.choice(("Re: {}.", "Patient: {}.", "Thank you for seeing {}."))
        return frame.format(", ".join(parts))

    def address(self) -> str:
        rng = self.w.rng
        if self.uk:
            town, area = rng.choice(self.w.pool("uk_town", "phi")).split("=")
            street = f"{rng.randint(2, 98)} {rng.choice(self.w.pool('uk_street', 'phi'))}"
            inward = f"{rng.randint(1, 9)}{rng.choice(_POSTCODE_LETTERS)}{rng.choice(_POSTCODE_LETTERS)}"
            code = f"{area}{rng.randint(1, 17)} {inward}"
        else:
            town, prefix = rng.choice(self.w.pool("us_town", "phi")).split("=")
            street = f"{rng.randint(100, 990)} {rng.choice(self.w.pool('us_street', 'phi'))}"
            code = f"{prefix}{rng.randint(1, 99):02d}"
        city, _, state = town.partition(",")  # "Springfield, IL": the state is not an identifier
        text = f"{self._put('STREET_ADDRESS', street)}, {self._put('LOCATION', city)}"
        text += f"{',' if state else ''}{state} {self._put('POSTCODE', code)}"
        frame = rng.choice(("{He} lives at {addr}.", "Address: {addr}.", "Letters to {addr}."))
        return self.w.fill(frame.replace("{addr}", text))

    def phone(self) -> str:
        rng, w = self.w.rng, self.w
        if self.uk:
            number = rng.choice(("07700 900", "0113 496 0", "020 7946 0")) + f"{rng.randint(0, 999):03d}"
        else:
            number = f"({rng.choice((217, 312, 503, 518, 608, 614))}) 555-01{rng.randint(0, 99):02d}"
        if rng.random() < 0.5:  # the patient's own number
            lead = w.fill(rng.choice(("{He} can be contacted on ", "Contact number: ")))
            return lead + self._put("PHONE_NUMBER", number) + "."
        relative = rng.choice(w.pool("relative", "phi"))
        female = relative in ("sister", "mother", "daughter") or (
            relative == "partner" and rng.random() < 0.5
        )
        first = rng.choice(w.pool("first_female" if female else "first_male", "phi"))
        other_surname = rng.choice(w.pool("surname", "phi"))
        person = rng.choice((f"{first} {self.last}", first, f"{first} {other_surname}"))
        lead = w.fill(f"{{His}} {relative}, ") + self._put("PERSON", person)
        return f"{lead}, is next of kin and can be reached on {self._put('PHONE_NUMBER', number)}."

    def email(self) -> str:
        rng = self.w.rng
        user = rng.choice((f"{self.first}.{self.last}{rng.randint(1, 99)}", f"{self.first[0]}{self.last}"))
        address = f"{user.lower()}@{rng.choice(self.w.pool('email_domain', 'phi'))}"
        lead = rng.choice(("{He} asked for letters to be emailed to ", "Email for appointments: "))
        lead = self.w.fill(lead)
        return lead + self._put("EMAIL_ADDRESS", address) + "."

    def discussed(self) -> str:
        return f"Plan discussed with {self.title} {self._put('PERSON', self.last)}."


def _write_report(rng: random.Random, code: str, plant: bool) -> tuple[str, tuple[tuple[str, str], ...]]:
    """One report as text plus its planted identifiers, re-drawn until its length is in range."""
    while True:
        w = _Writer(rng, code)
        sections = {"referral": w.referral(), "history": w.history(), "mse": [w.mse()],
                    "risk": w.risk(), "impression": w.impression(), "plan": w.plan()}  # fmt: skip
        planted: tuple[tuple[str, str], ...] = ()
        if plant:
            ident = _Identity(w)
            sections["referral"].insert(0, ident.header())
            if "ADDRESS" in ident.kinds:
                sections["history" if rng.random() < 0.5 else "plan"].append(ident.address())
            if "PHONE_NUMBER" in ident.kinds:
                sections["plan"].append(ident.phone())
            if "EMAIL_ADDRESS" in ident.kinds:
                sections["plan"].append(ident.email())
            if rng.random() < 0.5:
                sections["plan"].append(ident.discussed())
            planted = tuple(ident.planted)
        text = _layout(rng, sections)
        if _WORDS[0] <= len(text.split()) <= _WORDS[1]:
            return text, planted


def _layout(rng: random.Random, sections: dict[str, list[str]]) -> str:
    style = rng.choices(("colon", "inline", "caps"), weights=(9, 7, 4))[0]
    plan_style = rng.choice(("numbered", "bullets", "prose"))
    blocks = []
    for key, parts in sections.items():
        heading = rng.choices(SECTION_HEADINGS[key], weights=(3, 1, 1))[0]  # the first is the usual one
        if key == "plan" and plan_style != "prose":
            marks = [f"{i}." if plan_style == "numbered" else "-" for i in range(1, len(parts) + 1)]
            body = "\n".join(f"{mark} {part}" for mark, part in zip(marks, parts, strict=True))
        else:
            body = " ".join(parts)
        if style == "caps":
            blocks.append(f"{heading.upper()}\n{body}")
        elif style == "inline" and "\n" not in body:
            blocks.append(f"{heading}: {body}")
        else:
            blocks.append(f"{heading}:\n{body}")
    return "\n\n".join(blocks)


@lru_cache(maxsize=4)
def _build_reports(seed: int) -> tuple[_Report, ...]:
    rng = random.Random(seed)
    slots: list[tuple[str, str]] = []
    for code in CODES:
        n = _COUNTS[code]
        sizes = {split: max(2, int(n * share + 0.5)) for split, share in _SPLIT_SHARES.items()}
        sizes["train"] = n - sum(sizes.values())
        slots.extend((code, split) for split in SPLITS for _ in range(sizes[split]))
    rng.shuffle(slots)
    plant: set[int] = set()
    for split in SPLITS:
        rows = [i for i, (_, s) in enumerate(slots) if s == split]
        plant.update(rng.sample(rows, round(len(rows) * _PHI_SHARE)))
    reports = []
    for i, (code, split) in enumerate(slots):
        text, planted = _write_report(rng, code, i in plant)
        reports.append(_Report(id=f"demo-{i + 1:04d}", split=split, code=code, text=text, planted=planted))
    return tuple(reports)


def split_sections(text: str) -> dict[str, str]:
    """Split a demo report into ``{section key: body}`` using :data:`SECTION_HEADINGS`.

    >>> split_sections("Impression: F41.1 Generalized anxiety disorder.\\n\\nPlan:\\nReview in 4 weeks.")
    {'impression': 'F41.1 Generalized anxiety disorder.', 'plan': 'Review in 4 weeks.'}
    """
    matches = list(_HEADING_RE.finditer(text))
    out: dict[str, str] = {}
    for match, nxt in zip(matches, [*matches[1:], None], strict=True):
        end = nxt.start() if nxt is not None else len(text)
        out[_HEADING_KEY[match.group(1).lower()]] = text[match.end() : end].strip()
    return out


def load_demo_corpus(*, seed: int = 0, with_annotations: bool = False) -> DatasetDict:
    """Build the fictional demo corpus as a ``DatasetDict`` with splits ``train``, ``test``, ``holdout``.

    Columns: ``id`` (``"demo-0001"``...), ``text``, ``label`` (a ``ClassLabel`` over :data:`CODES`) and,
    with ``with_annotations=True``, ``planted_phi``: the sorted identifier types planted in each report
    (``PERSON``, ``DATE_OF_BIRTH``, ``MRN``, ``PHONE_NUMBER``, ``STREET_ADDRESS``, ``LOCATION``,
    ``POSTCODE``, ``EMAIL_ADDRESS``), ``[]`` for the ~90% clean reports. The same ``seed`` gives the
    same data byte for byte; each call returns a fresh ``DatasetDict``.

    >>> corpus = load_demo_corpus(with_annotations=True)
    >>> corpus.num_rows
    {'train': 308, 'test': 96, 'holdout': 74}
    >>> row = corpus["train"][0]
    >>> row["id"].startswith("demo-"), isinstance(row["planted_phi"], list)
    (True, True)
    >>> corpus["test"].features["label"].int2str(corpus["test"][0]["label"]) in CODES
    True
    """
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    columns = {"id": Value("string"), "text": Value("string"), "label": ClassLabel(names=list(CODES))}
    if with_annotations:
        columns["planted_phi"] = Sequence(Value("string"))
    features = Features(columns)
    index = {code: i for i, code in enumerate(CODES)}
    splits = {}
    for split in SPLITS:
        rows = [r for r in _build_reports(seed) if r.split == split]
        data: dict[str, list[object]] = {"id": [r.id for r in rows], "text": [r.text for r in rows]}
        data["label"] = [index[r.code] for r in rows]
        if with_annotations:
            data["planted_phi"] = [sorted({kind for kind, _ in r.planted}) for r in rows]
        splits[split] = Dataset.from_dict(data, features=features, split=split)
    return DatasetDict(splits)
