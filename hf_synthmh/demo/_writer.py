"""Writes the sections of one fictional demo report from the phrase pools in :mod:`hf_synthmh.demo._phrases`.

Every choice is drawn from the caller's ``random.Random``, in a fixed order: the corpus is
reproducible byte for byte from its seed, so any change here changes the corpus.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from hf_synthmh.demo._phrases import BANK
from hf_synthmh.demo._schema import TITLES

_AGES: dict[str, tuple[int, int]] = {"F20.0": (18, 55), "F31.2": (19, 70), "F60.3": (18, 45), "F10.20": (24, 75)}  # fmt: skip
# Mental state domains in the usual order, each with its label wordings.
_MSE_DOMAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("appearance", ("Appearance",)), ("behaviour", ("Behaviour",)), ("speech", ("Speech",)), ("mood", ("Mood",)),
    ("affect", ("Affect",)), ("thought", ("Thought", "Thought form and content", "Thoughts")),
    ("perception", ("Perception", "Perceptions")), ("cognition", ("Cognition",)),
    ("insight", ("Insight", "Insight and judgement")),
)  # fmt: skip
_PLACEHOLDER = re.compile(r"\{(\w+|\d+-\d+)\}")
_PRONOUNS = {
    "male": {"he": "he", "his": "his", "him": "him", "himself": "himself", "noun": "man"},
    "female": {"he": "she", "his": "her", "him": "her", "himself": "herself", "noun": "woman"},
}


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
        self.vars.update(age=str(self.age), a=article, A=_cap(article), code=code, title=TITLES[code])
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
