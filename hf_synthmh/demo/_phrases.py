"""Phrase bank for the fictional demo corpus (see :mod:`hf_synthmh.demo.corpus`).

Everything here was written for hf_synthmh and is released under CC0-1.0. No text comes from real
patients. ``BANK`` is a small line format, parsed by :func:`hf_synthmh.demo._writer._pools`:

* ``[scope name]`` starts a pool; scope is ``shared``, ``phi`` or an ICD-10 code. A code's pool overrides
  the shared pool of the same name for reports with that code.
* The alternatives follow the header, on its line and the next ones, separated by `` | `` or a line
  break, until the next header. A line starting with ``#`` is a comment.
* Placeholders: ``{he} {his} {him} {himself}`` (and capitalised ``{He} {His}``), ``{noun}`` (man /
  woman), ``{dur}`` (a duration drawn from the code's ``duration`` pool), ``{stressor}``, and ``{LO-HI}``
  for a random whole number in that range (scale scores, units, counts).

Pools under ``phi`` hold the obviously fake identifiers planted in about 10% of the reports.

This module holds the ``shared`` and ``phi`` pools; the per-code pools live in
:mod:`hf_synthmh.demo._phrases_common` (the five most common codes) and
:mod:`hf_synthmh.demo._phrases_less_common` (the other five). ``BANK`` joins them in a fixed order:
the generated corpus depends on it byte for byte.
"""

from hf_synthmh.demo._phrases_common import COMMON_CODES_BANK
from hf_synthmh.demo._phrases_less_common import LESS_COMMON_CODES_BANK

__all__ = ["BANK"]

_SHARED = """\
[shared referrer] {his} GP | the emergency department | the crisis resolution and home treatment team
the liaison psychiatry team | {his} GP after a routine medication review | an occupational health physician
the community mental health team | a practice nurse at {his} surgery | the acute medical team
[shared referral_frame] {A} {age}-year-old {noun} referred by {referrer} with {problem}.
Referred by {referrer} for assessment of {problem}.
{Referrer} asked us to assess this {age}-year-old {noun}, who presents with {problem}.
Self-referral. {He} is {a} {age}-year-old {noun} seeking help with {problem}.
{A} {age}-year-old {noun}, seen at the request of {referrer} because of {problem}.
Seen in clinic following a referral from {referrer}: {a} {age}-year-old {noun} with {problem}.
[shared referral_question] The referrer asks for diagnostic clarification and advice on treatment.
Advice on medication was requested. | The question is whether specialist mental health input is needed.
{He} attended alone and was keen to engage. | {He} attended with {his} partner, who contributed to the history.
{He} was seen with {his} consent for a full assessment.
[shared symptom_frame] {He} reports {symptoms}. | Key symptoms are {symptoms}. | {He} describes {symptoms}.
Associated features include {symptoms}. | On direct questioning {he} endorses {symptoms}. | Current symptoms: {symptoms}.
[shared stressor_frame] The deterioration followed {stressor}. | {He} links the onset to {stressor}.
Precipitants include {stressor}. | Symptoms worsened in the context of {stressor}.
[shared stressor] redundancy from a job {he} had held for years | the end of a long-term relationship
the death of {his} mother | mounting financial difficulties | a difficult period at work | the serious illness of {his} father
caring for a parent with dementia | a house move away from {his} support network | conflict with a line manager
[shared occupation] works as a nurse | works in retail | is a self-employed electrician | works in an office
drives a delivery van | is a secondary school teacher | works night shifts in a warehouse | is currently unemployed
works in hospitality | is on sick leave from an administrative job | works as a care assistant | works in software development
[shared occupation_young] is a university student | is in the second year of an apprenticeship
works part time in a cafe while studying
[shared occupation_older] is retired from a career in engineering | retired from nursing several years ago
is retired and volunteers locally
[shared living] lives alone in a rented flat | lives with {his} partner and two children | lives with {his} parents
lives with a partner | lives in supported accommodation | has lived alone since a recent separation
shares a house with friends | lives with {his} partner and a teenage son
[shared living_older] lives with {his} spouse | has lived alone since being widowed | lives with {his} adult daughter
[shared social_frame] {He} {occupation} and {living}. | Socially, {he} {living} and {occupation}.
{He} {living}; {he} {occupation}.
[shared background] There is no previous contact with mental health services.
There is a family history of depression on {his} mother's side. | There is no forensic history.
Physical health is good apart from mild asthma. | {He} has hypertension, treated with amlodipine 5 mg daily.
{He} had counselling as a teenager but has no other psychiatric history. | There is no family history of serious mental illness.
{He} has type 2 diabetes, managed with metformin 500 mg twice daily.
[shared substance] {He} drinks about {4-12} units of alcohol a week and does not use illicit drugs.
Alcohol intake is within recommended limits; no drug use. | {He} denies illicit drug use and smokes {5-15} cigarettes a day.
{He} used cannabis occasionally in the past but not for several years.
[shared appearance] casually dressed and adequately groomed | appropriately dressed with good self-care
neatly dressed, appears stated age | tired-looking, in casual clothes, with adequate hygiene | smartly dressed and well kempt
[shared behaviour] good rapport and appropriate eye contact | calm and cooperative throughout
engaged well, no abnormal movements | settled, with reasonable eye contact
[shared speech] normal rate, tone and volume | spontaneous, normal in rate and rhythm | coherent, of normal rate and volume
[shared mood] subjectively "okay"; objectively euthymic
[shared affect] reactive, full range | appropriate and reactive
[shared thought] no formal thought disorder; no delusions | logical and goal-directed, no abnormal beliefs
[shared perception] no abnormalities of perception | no hallucinations reported or observed
denies hallucinations; none evident
[shared cognition] alert and oriented in time, place and person | grossly intact; MoCA {26-30}/30
not formally tested, grossly intact | alert and oriented; attention and recall intact on bedside testing
MoCA {26-30}/30, losing points on delayed recall
[shared insight] good; {he} recognises that {he} is unwell and wants treatment | good
fair; {he} is willing to engage with the plan | partial; {he} attributes the symptoms to stress rather than illness
[shared risk_others] No risk to others identified. | There are no thoughts of harming others and no history of violence.
Risk to others is low.
[shared vulnerability] No safeguarding concerns; {he} feels safe at home. | No evidence of exploitation or neglect.
{He} is not a carer for dependent children or adults.
[shared protective] Protective factors include {his} family, work and engagement with services.
Protective factors: a supportive partner and future plans. | {He} identifies {his} children as a strong reason to stay well.
Protective factors include religious faith and close friendships.
[shared risk_summary] Overall risk to self is assessed as low. | Current risk to self is judged low.
Overall risk is low and can be managed in the community.
[shared impression_frame] {code} {title}. | {title} ({code}). | ICD-10: {code} {title}. | Primary diagnosis: {code} {title}.
[shared investigations] Bloods including FBC, U&E, LFTs, TFTs and vitamin D. | Check TSH to exclude thyroid disease.
No investigations needed at this stage.
[shared safety] Crisis contacts given, and {he} knows how to access urgent help. | A safety plan was agreed with {him}.
Advised to attend the emergency department if things worsen.
[shared followup] Review in outpatient clinic in {3-6} weeks. | Follow-up with the community mental health team in four weeks.
Review by the care coordinator within a week. | GP to review in two weeks; we will see {him} again in two months.
Discharge to GP care with advice on re-referral.
[shared letter] Copy of this letter to the GP. | The diagnosis and plan were discussed with {him}, and {he} agrees.
Information leaflets were provided.
"""

_PHI = """\
# phi: fake identifiers (planted)
[phi first_male] Daniel | Tomasz | Kwame | Arjun | Liam | Mehmet | Callum | Hiroshi | Rafael | Owen | Dmitri | Samuel
[phi first_female] Priya | Agnieszka | Ama | Siobhan | Leila | Chloe | Ingrid | Yetunde | Beatriz | Hannah | Mei | Rosalind
[phi surname] Okonkwo | Raghunathan | Kowalczyk | Haddad | Fairbrother | Lindqvist | Mensah | Castellano | Abernethy | Nakamura
Petrovic | Oyelaran | Whitcombe | Delacroix | Brannigan | Szymanski
[phi relative] sister | brother | mother | father | partner | daughter | son
[phi uk_street] Larch Road | Willow Crescent | Beech Grove | Thornfield Avenue | Mill Lane | Station Road | Hawthorn Close
Rosemary Terrace
[phi uk_town] Leeds=LS | Harrogate=HG | Sheffield=S | Bristol=BS | York=YO | Norwich=NR | Leicester=LE | Manchester=M
[phi us_street] Elm St | Maple Ave | Oak Drive | Cedar Lane | Birch Blvd | Walnut St
[phi us_town] Springfield, IL=627 | Columbus, OH=432 | Madison, WI=537 | Albany, NY=122 | Salem, OR=973 | Dayton, OH=454
[phi email_domain] example.com | example.org | example.net
"""

BANK = "\n" + _SHARED + COMMON_CODES_BANK + LESS_COMMON_CODES_BANK + _PHI
