"""Word lists of the clinical PHI rules (:mod:`hf_synthmh.gate.phi_recognizers`): eponyms and drug
names that are not people, generic words that do not name an institution, places above the level
HIPAA Safe Harbor protects, and words spaCy mistakes for names at a sentence start.

>>> "sertraline" in NOT_NAMES and "ohio" in BIG_PLACES and "hospital" not in GENERIC
True
"""

from __future__ import annotations

__all__ = ["BIG_PLACES", "DRUG_STEMS", "EPONYM_HEADS", "GENERIC", "NOT_AT_START", "NOT_NAMES", "PHARMA_STEMS"]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> frozenset[str]:
    return frozenset(text.split("|"))


EPONYM_HEADS = _wordset(
    "disease syndrome delusion encephalopathy thyroiditis scale inventory examination exam test"
    " questionnaire criteria index sign phenomenon psychosis dementia chorea palsy rating type disorder"
    " score assessment classification schizophrenia episode dependence withdrawal virus deficiency act"
    # names of clinical processes and services, not of anyone: "Care Programme Approach", "Community
    # Treatment Order", "Dialectical Behaviour Therapy", "Positive Behaviour Support"
    " approach order therapy therapies programme program pathway plan review meeting support intervention"
    " interventions treatment framework tool model schedule protocol policy guidelines guideline register"
    " regulations standards"
)
# Eponyms and drug names that spaCy tags as people or places ("Sertraline was started").
NOT_NAMES = _wordset(
    "alzheimer parkinson huntington asperger tourette capgras munchausen wernicke korsakoff cushing"
    " hashimoto addison down beck hamilton montgomery yale pabrinex clopixol depixol prozac zoloft"
    " seroquel abilify risperdal zyprexa sertraline fluoxetine citalopram escitalopram paroxetine"
    " venlafaxine duloxetine mirtazapine trazodone amitriptyline nortriptyline clomipramine lithium"
    " valproate lamotrigine carbamazepine quetiapine olanzapine risperidone aripiprazole haloperidol"
    " clozapine paliperidone lurasidone zopiclone diazepam lorazepam clonazepam pregabalin propranolol"
    " methylphenidate atomoxetine lisdexamfetamine naltrexone acamprosate disulfiram buprenorphine"
    " methadone donepezil memantine rivastigmine galantamine melatonin promethazine"
    " instagram facebook tiktok snapchat reddit twitter whatsapp youtube"
    " paranoid bipolar borderline generalized generalised panic post-traumatic mixed recurrent persistent"
    " obsessive schizoaffective catatonic hebephrenic delusional organic"
    " maintena sustenna trevicta xeplion invega consta acuphase decanoate abilify risperdal"
    " mild moderate severe single current partial alert orientated outpatients inpatients"
    " urdu punjabi bengali polish arabic somali tigrinya farsi kurdish romanian portuguese spanish"
    " mandarin cantonese tamil gujarati hindi turkish french"
    " foley hickman swan ganz broviac groshong quinton picc"
)
# Generic words that don't identify an institution ("the General Hospital", "Memory Clinic").
GENERIC = _wordset(
    "the a an general district community mental health psychiatric medical care nursing acute inpatient"
    " outpatient day primary secondary specialist child adolescent adult older people memory eating"
    " disorders perinatal mother baby crisis assessment addiction recovery rehabilitation forensic secure"
    " intensive liaison psychiatry psychology services service team national local regional university nhs"
    " teaching county city state behavioral behavioural residential supported living emergency department"
    " ward home treatment early intervention psychosis drug alcohol dementia learning disability neurology"
    " sleep family trauma veterans va gp our their his her private public mental-health garden &"
    " college school institute academy faculty"
)
# Places above the level Safe Harbor protects: US states, UK nations, common countries and regions.
BIG_PLACES = _phrases(
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii"
    "|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan"
    "|minnesota|mississippi|missouri|montana|nebraska|nevada|new hampshire|new jersey|new mexico"
    "|new york state|north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island"
    "|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington state|west virginia"
    "|wisconsin|wyoming|england|scotland|wales|northern ireland|ireland|britain|great britain"
    "|united kingdom|united states|america|the united states|the united kingdom|canada|australia"
    "|new zealand|india|pakistan|bangladesh|sri lanka|nigeria|ghana|kenya|somalia|ethiopia|eritrea"
    "|sudan|zimbabwe|south africa|jamaica|poland|romania|lithuania|latvia|ukraine|russia|germany|france"
    "|spain|portugal|italy|greece|turkey|syria|iraq|iran|afghanistan|china|japan|korea|vietnam"
    "|philippines|brazil|mexico|europe|africa|asia|the caribbean|the middle east"
)
# Words spaCy's small model tags as places or people at a line or sentence start ("Patient ID ...").
NOT_AT_START = _wordset(
    "patient patients client service user referral plan tel mobile phone fax email postcode address"
    " neuro resp cv cvs gi gu id heme integ skin social cont abd afeb afebrile"
)
# Endings of drug names from the WHO INN stem list (and common US brand endings): a capitalised
# word ending so that is not in the name gazetteer is a drug, not a person or place ("Propofol").
# Pharmacological stems (INN): a word ending in one is a drug or a misspelt drug, not a name.
PHARMA_STEMS = (
    "olol|pril|sartan|statin|azole|cillin|mycin|floxacin|cycline|dipine|tidine|prazole|parin|zepam|azepine"
    "|afil|setron|triptan|mab|nib|oxetine|apine|idone|peridol|azine|barbital|caine|dronate|gliptin"
    "|glitazone|lukast|profen|oxacin|nidazole|conazole"
)
# The same and broader endings, for one-word NER hits ("Propofol", "Lasix"): too broad for running text.
DRUG_STEMS = PHARMA_STEMS + "|pam|lam|vir|fol|ofol|amine|aline|fen|sone|olone|ide|ix|in|ine|ol|il|one|ate"
