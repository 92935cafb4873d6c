"""The fake identifiers planted in about 10% of the demo reports (names, dates of birth, record numbers,
phone numbers, addresses, emails), drawn from the ``phi`` phrase pools.
"""

from __future__ import annotations

from hf_synthmh.demo._writer import _Writer

_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip


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
