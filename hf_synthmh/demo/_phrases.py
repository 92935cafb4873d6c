"""Phrase bank for the fictional demo corpus (see :mod:`hf_synthmh.demo.corpus`).

Everything here was written for hf_synthmh and is released under CC0-1.0. No text comes from real
patients. ``BANK`` is a small line format, parsed by :func:`hf_synthmh.demo.corpus._pools`:

* ``[scope name]`` starts a pool; scope is ``shared``, ``phi`` or an ICD-10 code. A code's pool overrides
  the shared pool of the same name for reports with that code.
* The alternatives follow the header, on its line and the next ones, separated by `` | `` or a line
  break, until the next header. A line starting with ``#`` is a comment.
* Placeholders: ``{he} {his} {him} {himself}`` (and capitalised ``{He} {His}``), ``{noun}`` (man /
  woman), ``{dur}`` (a duration drawn from the code's ``duration`` pool), ``{stressor}``, and ``{LO-HI}``
  for a random whole number in that range (scale scores, units, counts).

Pools under ``phi`` hold the obviously fake identifiers planted in about 10% of the reports.
"""

BANK = """
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
[F32.1 problem] low mood and loss of interest | a first episode of depression | persistent low mood and poor sleep
depressive symptoms that have not responded to guided self-help | low mood affecting {his} ability to work
[F32.1 duration] three months | two months | about ten weeks | four months | six weeks | five months
[F32.1 onset] {He} describes {dur} of persistently low mood, worse in the mornings.
Symptoms began gradually about {dur} ago and have worsened.
Over the past {dur} {he} has felt low for most of the day, most days.
This is a first episode; {his} mood changed about {dur} ago. | {His} mood has been low for {dur}, with no sustained improvement.
[F32.1 symptoms] anhedonia | early morning waking | poor concentration | reduced appetite | fatigue and low energy
feelings of worthlessness | excessive guilt | tearfulness | social withdrawal | psychomotor slowing | reduced libido
indecisiveness | hopelessness
[F32.1 history] {He} has stopped seeing friends and spends much of the day in bed. | {He} has kept working, with great effort.
Weight has fallen by about {3-6} kg without trying. | There is no history of elevated mood or psychotic symptoms.
{He} wakes at around 4 am and cannot get back to sleep.
{He} no longer enjoys running, which used to matter a great deal to {him}.
[F32.1 scale] {His} PHQ-9 score today was {14-19}. | PHQ-9 {14-19}, consistent with moderate depression.
A PHQ-9 completed in clinic scored {14-19}.
[F32.1 behaviour] psychomotor slowing, limited eye contact | sat still, poor eye contact, engaged with effort
subdued but cooperative
[F32.1 speech] quiet and slow, with increased latency | soft and monotonous | normal rate, low volume
[F32.1 mood] subjectively "low" and "empty"; objectively low | described as "down all the time"; objectively depressed
"flat", rated 3 out of 10 | subjectively low; objectively subdued
[F32.1 affect] restricted and congruent with mood | reactive but constricted | tearful at times, congruent
[F32.1 thought] guilt about letting {his} family down; no delusions | negative views of self and future; no thought disorder
ruminative, focused on failures at work; no psychotic content
[F32.1 risk] {He} has passive thoughts that life is not worth living but denies plans or intent. | No suicidal ideation.
Fleeting thoughts of not waking up, without plans; no history of self-harm. | {He} denies thoughts of self-harm or suicide.
[F32.1 formulation] A first depressive episode of moderate severity in the context of {stressor}.
The presentation meets criteria for a moderate depressive episode, with no history of mania.
Symptoms are pervasive and impair functioning, but there are no psychotic features.
[F32.1 differential] Adjustment disorder was considered, but the severity and duration favour a depressive episode.
Hypothyroidism is to be excluded with bloods. | Bipolar disorder is unlikely given no history of elevated mood.
[F32.1 medication] Start sertraline 50 mg once daily, reviewing tolerability at two weeks.
Start mirtazapine 15 mg at night to help sleep and appetite.
Start citalopram 20 mg once daily; discussed side effects and the delay in benefit. | Start escitalopram 10 mg daily.
Sertraline 50 mg daily was offered; {he} prefers to try psychological treatment first.
[F32.1 therapy] Refer for individual cognitive behavioural therapy. | Refer to talking therapies for behavioural activation.
Offer a course of CBT of {12-16} sessions. | Encourage graded activity and regular sleep routines.
[F33.1 problem] a relapse of recurrent depression | a return of low mood after a period of remission
worsening depression despite medication | recurrent depressive symptoms
[F33.1 duration] two months | three months | eight weeks | about four months | seven weeks
[F33.1 onset] {He} has had {2-5} previous depressive episodes; the current one began about {dur} ago.
Low mood returned {dur} ago, after about {2-4} years of remission.
This relapse started {dur} ago, soon after {he} stopped {his} antidepressant.
Symptoms mirror previous episodes and have been present for {dur}.
[F33.1 symptoms] low mood | loss of motivation | hypersomnia | poor concentration | withdrawal from friends | low self-esteem
anhedonia | irritability | increased appetite | fatigue | hopelessness
[F33.1 history] {His} first episode was in {his} twenties and responded to fluoxetine.
{He} was previously well on sertraline 100 mg daily. | There was one admission for depression many years ago.
There is no history of mania or psychosis. | Each episode has followed a period of stress at work.
{He} recognises this as {his} usual pattern of relapse.
[F33.1 scale] {His} PHQ-9 has risen from 6 to {15-19}. | PHQ-9 score {15-19}. | Beck Depression Inventory score of {22-28}.
[F33.1 behaviour] slowed, with limited eye contact | cooperative but withdrawn | sat slumped, engaged with prompting
[F33.1 speech] slow and quiet | reduced in quantity, normal rate
[F33.1 mood] "back to square one"; objectively low | subjectively "hopeless"; objectively depressed
low, subjectively and objectively
[F33.1 affect] flat, congruent | constricted, tearful when discussing family
[F33.1 thought] pessimistic about recovery; no delusions | self-critical themes; no thought disorder
[F33.1 risk] {He} reports intermittent passive suicidal ideation, as in previous episodes, without plans.
No current suicidal ideation. | There was an overdose during a previous episode, many years ago; no current intent.
{He} denies current thoughts of self-harm.
[F33.1 formulation] A recurrence of depression of moderate severity in someone with a clear relapsing course.
Relapse probably followed stopping maintenance treatment, against a background of {stressor}.
This is a moderate episode of a recurrent depressive disorder without psychotic features.
[F33.1 differential] Bipolar II disorder was considered, but there is no history of hypomania.
Alcohol misuse was screened for and is not a factor.
[F33.1 medication] Increase sertraline to 100 mg daily.
Restart venlafaxine 75 mg modified release, increasing to 150 mg after two weeks.
Switch from citalopram to mirtazapine 30 mg at night.
Continue fluoxetine 40 mg daily; consider lithium augmentation if no response.
Continue treatment for at least two years once well, given the recurrent course.
[F33.1 therapy] Refer for mindfulness-based cognitive therapy once acute symptoms settle.
Offer CBT with a focus on relapse prevention. | Develop a relapse signature and staying-well plan with {him}.
[F41.1 problem] excessive worry and tension | generalised anxiety affecting daily life | chronic worry and poor sleep
persistent anxiety with physical symptoms of tension
[F41.1 duration] more than a year | about two years | eighteen months | several years | at least nine months
[F41.1 onset] {He} describes {dur} of uncontrollable worry about everyday matters.
{He} has always worried, but over the past {dur} it has become unmanageable.
Worry about health, money and family has dominated the past {dur}. | Anxiety has been present most days for {dur}.
[F41.1 symptoms] restlessness | muscle tension | difficulty getting off to sleep | irritability | poor concentration | fatigue
palpitations | a sense of dread | tension headaches | difficulty switching off | frequent reassurance seeking
[F41.1 history] No discrete panic attacks are described. | The worry shifts from one topic to another and is hard to control.
{He} has seen {his} GP several times about physical symptoms, with normal investigations.
Caffeine intake is high, about {4-6} cups of coffee a day. | Mood is mildly low, secondary to the anxiety.
[F41.1 scale] GAD-7 {12-19}. | {His} GAD-7 score was {12-19}, in the moderate to severe range.
GAD-7 score of {12-19} and PHQ-9 of {6-9}.
[F41.1 behaviour] fidgety, with good rapport | restless, wringing {his} hands | tense posture, good eye contact
[F41.1 speech] normal, rather fast when discussing worries | rapid but coherent
[F41.1 mood] "anxious"; objectively anxious | "on edge all the time"; objectively tense | "worried"; objectively anxious
[F41.1 affect] anxious and reactive | anxious, full range
[F41.1 thought] worries about {his} health and {his} family's safety; no obsessions or delusions
catastrophising about money; no psychotic features
[F41.1 risk] No suicidal ideation. | {He} denies thoughts of self-harm and has no history of self-harm.
No thoughts of suicide; {he} is future-oriented.
[F41.1 formulation] Long-standing excessive worry about several domains, with autonomic and muscle tension symptoms.
Worry-prone temperament with anxiety maintained by avoidance and reassurance seeking.
Persistent, generalised anxiety not restricted to any situation, lasting more than six months.
[F41.1 differential] Panic disorder is unlikely as there are no discrete attacks.
Thyrotoxicosis to be excluded with thyroid function tests.
[F41.1 medication] Start sertraline 50 mg daily. | Start escitalopram 10 mg once daily.
If SSRIs are not tolerated, consider pregabalin 75 mg twice daily. | Start duloxetine 30 mg daily, increasing to 60 mg.
Advised against regular use of benzodiazepines.
[F41.1 therapy] Refer for CBT for generalised anxiety disorder. | Offer applied relaxation.
Offer guided self-help as a first step. | Advised to reduce caffeine and exercise regularly.
[F41.0 problem] recurrent panic attacks | sudden episodes of intense fear | panic attacks and avoidance
repeated attendances with chest pain and breathlessness found to be panic
[F41.0 duration] four months | six months | about a year | three months | eight months
[F41.0 onset] The first attack came about {dur} ago while {he} was driving.
Over the past {dur} {he} has had {2-5} attacks a week.
Attacks started {dur} ago in a supermarket queue and now occur unpredictably.
{He} has had recurrent unexpected attacks for {dur}.
[F41.0 symptoms] palpitations | chest tightness | breathlessness | tingling in the hands | dizziness | fear of dying
fear of losing control | derealisation | sweating | trembling | anticipatory anxiety | avoidance of public transport
[F41.0 history] Attacks peak within ten minutes and settle within half an hour.
Cardiac investigations, including an ECG, were normal. | {He} now avoids crowded shops and will not travel alone by bus.
Between attacks {he} worries constantly about the next one.
{He} has attended the emergency department {2-4} times believing {he} was having a heart attack.
[F41.0 scale] Panic Disorder Severity Scale score {12-18}. | GAD-7 {10-15}. | PDSS {12-18} and GAD-7 {10-15}.
[F41.0 behaviour] restless, glancing at the door | cooperative, slightly tremulous
[F41.0 mood] "nervous"; objectively euthymic but apprehensive | "scared of the next attack"; objectively anxious
[F41.0 affect] anxious, reactive
[F41.0 thought] preoccupied with fear of a further attack and of collapsing; no delusions
fears of having a heart condition; no psychotic features
[F41.0 risk] No suicidal ideation. | {He} denies thoughts of self-harm.
No risk to self beyond avoidance restricting {his} life.
[F41.0 formulation] Recurrent unexpected panic attacks followed by persistent worry and avoidance.
Panic maintained by catastrophic misinterpretation of bodily sensations and safety behaviours.
[F41.0 differential] Cardiac and thyroid causes have been excluded. | Agoraphobia is developing but is secondary to the panic.
[F41.0 medication] Start sertraline 25 mg daily for a week, then 50 mg.
Start citalopram 10 mg daily, increasing to 20 mg after a week. | Benzodiazepines are not recommended.
No medication for now, pending psychological treatment.
[F41.0 therapy] Refer for CBT for panic disorder, including interoceptive exposure.
Psychoeducation about the physiology of panic was given. | Offer guided self-help based on CBT.
[F43.10 problem] nightmares and intrusive memories after a traumatic event | symptoms of post-traumatic stress
flashbacks and hypervigilance
[F43.10 duration] eight months | a year | about two years | five months | ten months
[F43.10 stressor] a serious road traffic collision | a violent assault outside {his} workplace | a house fire
an armed robbery at work | combat exposure during military service | witnessing the sudden death of a colleague
[F43.10 stressor_frame] The index trauma was {stressor}. | Symptoms began after {stressor}.
{He} was involved in {stressor} and has struggled since.
[F43.10 onset] Symptoms have been present for {dur}. | Intrusive memories began within weeks and have persisted for {dur}.
{He} has not felt {himself} for {dur}.
[F43.10 symptoms] intrusive memories | nightmares | flashbacks | hypervigilance | exaggerated startle | avoidance of reminders
emotional numbing | irritability | poor sleep | guilt about the event | detachment from others
[F43.10 history] {He} avoids the area where the event happened. | Sleep is broken by nightmares most nights.
{He} has increased {his} alcohol intake to help with sleep. | There has been no previous trauma-focused treatment.
[F43.10 scale] PCL-5 score {40-62}. | {His} PCL-5 today was {40-62}. | PCL-5 {40-62}; PHQ-9 {10-15}.
[F43.10 behaviour] hypervigilant, startled by a door closing | guarded at first, then engaged well | sat facing the door, tense
[F43.10 mood] "on edge"; objectively anxious | "numb"; objectively low
[F43.10 affect] anxious, restricted | blunted when describing the event
[F43.10 thought] preoccupied with the trauma; no delusions | self-blame about the event; no thought disorder
[F43.10 perception] vivid re-experiencing without true hallucinations | no hallucinations
[F43.10 risk] No current suicidal ideation. | {He} has occasional thoughts of being better off dead, without plans or intent.
Anger outbursts are verbal only; no violence.
[F43.10 formulation] Re-experiencing, avoidance and hyperarousal after {stressor}, persisting beyond a month.
A trauma reaction maintained by avoidance and a sense of current threat.
[F43.10 differential] A depressive episode is secondary and may improve with trauma treatment.
No dissociative symptoms of note.
[F43.10 medication] Start sertraline 50 mg daily. | Start venlafaxine 75 mg modified release daily. | No medication at present.
Start prazosin 1 mg at night for nightmares, titrating slowly.
[F43.10 therapy] Refer for trauma-focused CBT. | Refer for EMDR. | Refer to the specialist trauma service.
[F20.0 problem] paranoid ideas and hearing voices | a relapse of psychotic symptoms | persecutory beliefs and withdrawal
bizarre behaviour and suspiciousness
[F20.0 duration] three months | about six months | several months | two months | four months
[F20.0 onset] Over the past {dur} {he} has become convinced that neighbours are monitoring {him}.
Family describe {dur} of withdrawal, suspiciousness and talking to {himself}.
Symptoms re-emerged {dur} ago after {he} stopped {his} antipsychotic.
[F20.0 symptoms] persecutory delusions | third-person auditory hallucinations | a running commentary | social withdrawal
poor self-care | suspiciousness | ideas of reference | thought broadcasting | disturbed sleep
[F20.0 history] {He} believes {his} phone is being monitored by the police. | {He} has covered the windows with foil.
There were two previous admissions, both after stopping medication. | Mood symptoms are not prominent.
{He} has stopped going out and hardly eats.
[F20.0 substance] {He} used cannabis daily in {his} late teens; current use is denied.
Ongoing cannabis use, about {1-3} grams a week.
[F20.0 scale] PANSS positive subscale {20-28}. | PANSS total {80-98}.
[F20.0 appearance] unkempt, with poor self-care | dishevelled, wearing several layers of clothing
[F20.0 behaviour] guarded and suspicious, scanning the room | perplexed at times, appeared to respond to unseen stimuli
[F20.0 speech] normal rate, vague and tangential | sparse, with long pauses
[F20.0 mood] "fine"; objectively guarded | "scared"; objectively anxious and suspicious
[F20.0 affect] blunted | incongruous at times
[F20.0 thought] persecutory delusions of being followed by a criminal gang; loosening of associations
fixed belief that {his} thoughts are broadcast to others | delusions of reference from the television
[F20.0 perception] derogatory second-person voices; denies command hallucinations
third-person voices commenting on {his} actions
[F20.0 insight] poor; {he} does not accept that {he} is unwell | partial; accepts {he} is stressed but not ill
[F20.0 risk] There is a risk of self-neglect. | No command hallucinations; no thoughts of harming others.
No suicidal ideation at present. | {He} has barricaded {his} door but has not acted on the beliefs.
[F20.0 risk_summary] Overall risk is moderate, mainly from self-neglect. | Risk to self and others is moderate while unwell.
[F20.0 formulation] Persecutory delusions and auditory hallucinations for more than a month, with negative symptoms.
A relapse of paranoid schizophrenia, probably after stopping medication.
[F20.0 differential] Substance-induced psychosis is less likely given persisting symptoms.
Delusional disorder does not explain the hallucinations.
[F20.0 medication] Start aripiprazole 10 mg daily. | Start olanzapine 10 mg at night. | Start risperidone 2 mg daily.
Consider paliperidone depot injection after an oral trial. | Consider clozapine if two antipsychotics have failed.
[F20.0 therapy] Refer to the early intervention in psychosis team. | Offer CBT for psychosis and family intervention.
Allocate a care coordinator.
[F20.0 investigations] Baseline ECG, HbA1c, lipids, prolactin, weight and BMI before the antipsychotic. | Urine drug screen.
[F31.2 problem] elevated mood, little sleep and grandiose beliefs | a manic relapse with psychotic features
disinhibited behaviour and grandiosity
[F31.2 duration] ten days | two weeks | about three weeks | a week
[F31.2 onset] Family noticed a change about {dur} ago, with reduced sleep and increased activity.
Over the past {dur} {he} has slept two or three hours a night. | {His} mood has been elevated for {dur}.
[F31.2 symptoms] reduced need for sleep | pressured speech | flight of ideas | grandiose delusions | overspending
disinhibition | irritability | increased goal-directed activity | distractibility
[F31.2 history] {He} has bipolar disorder with {2-4} previous manic episodes. | {He} stopped lithium some months ago.
{He} believes {he} has been chosen to lead a global movement. | {He} has run up large debts in recent days.
[F31.2 substance] Alcohol intake has increased during this episode. | No drug use reported.
[F31.2 scale] Young Mania Rating Scale {28-40}. | YMRS {28-40}.
[F31.2 appearance] brightly and flamboyantly dressed | dishevelled, wearing sunglasses indoors
[F31.2 behaviour] overactive, unable to sit | disinhibited and overfamiliar
[F31.2 speech] pressured, loud, difficult to interrupt | rapid, with clang associations
[F31.2 mood] "fantastic"; objectively elevated and irritable | "never better"; objectively elated
[F31.2 affect] labile, elevated
[F31.2 thought] flight of ideas; grandiose delusions of special powers | grandiose belief that {he} is a world leader
[F31.2 perception] a voice praising {him} | no hallucinations
[F31.2 insight] absent | none; {he} refuses the idea of illness
[F31.2 risk] There is risk from reckless spending and driving. | Sexual disinhibition creates vulnerability.
No suicidal ideation.
[F31.2 risk_summary] Overall risk is high while manic. | Risk is high and cannot be managed at home.
[F31.2 formulation] A severe manic relapse with mood-congruent psychotic features after stopping lithium.
Severe mania with grandiose delusions in established bipolar disorder.
[F31.2 differential] Schizoaffective disorder was considered, but psychosis is confined to mood episodes.
Substance-induced mania is unlikely.
[F31.2 medication] Start olanzapine 10 mg, increasing to 15 mg at night.
Restart lithium, aiming for a level of 0.6 to 0.8 mmol/L. | Stop the antidepressant. | Haloperidol 5 mg as needed for agitation.
Start quetiapine 300 mg at night.
[F31.2 therapy] Admit to an acute ward. | Arrange a Mental Health Act assessment if {he} declines admission.
Offer psychoeducation about bipolar disorder when settled.
[F31.2 investigations] Lithium level, U&E, TFTs and calcium. | ECG and bloods before starting an antipsychotic.
[F42.2 problem] intrusive thoughts and compulsive checking | obsessions and compulsions
contamination fears and repeated washing
[F42.2 duration] several years | two years | about eighteen months | three years
[F42.2 onset] Symptoms have been present for {dur}, worse at times of stress.
{He} describes {dur} of intrusive thoughts and rituals. | The rituals have gradually taken over {his} life over {dur}.
[F42.2 symptoms] contamination fears | repeated hand washing | checking locks and appliances | intrusive harm-related thoughts
a need for symmetry | counting rituals | reassurance seeking | mental neutralising
[F42.2 history] Rituals take up to {2-5} hours a day. | {He} recognises the thoughts as {his} own and excessive.
{His} hands are cracked and sore from washing. | {He} is often late for work because of checking.
[F42.2 scale] Y-BOCS {20-31}. | {His} Y-BOCS score was {20-31}.
[F42.2 behaviour] anxious, avoided touching the door handle | cooperative, adjusted items on the desk
[F42.2 mood] "stressed"; objectively anxious | "fed up"; objectively mildly low
[F42.2 affect] anxious, reactive
[F42.2 thought] intrusive thoughts of harming others, felt as alien and distressing; no delusions
contamination obsessions; no psychotic features
[F42.2 risk] No suicidal ideation. | No risk of acting on the intrusive thoughts. | {He} denies thoughts of self-harm.
[F42.2 formulation] Mixed obsessions and compulsions, maintained by neutralising and avoidance.
Obsessive-compulsive disorder with both obsessional thoughts and compulsive acts.
[F42.2 differential] Generalised anxiety disorder does not explain the rituals. | No tic disorder.
[F42.2 medication] Start sertraline 50 mg, titrating towards 200 mg as tolerated. | Start fluoxetine 20 mg, increasing to 60 mg.
Consider clomipramine 25 mg if two SSRIs fail.
[F42.2 therapy] Refer for CBT with exposure and response prevention. | Provide information about OCD.
[F60.3 problem] emotional instability and repeated self-harm | intense mood swings and relationship difficulties
recurrent crises and self-harm
[F60.3 duration] many years | several years | most of {his} adult life | since early adolescence
[F60.3 onset] {He} describes {dur} of rapidly changing moods. | Difficulties have been present for {dur}.
{He} has struggled with emotions for {dur}.
[F60.3 symptoms] intense and unstable relationships | fear of abandonment | impulsivity | chronic emptiness | rapid mood shifts
anger outbursts | transient stress-related paranoia | an unstable sense of self | recurrent self-harm
[F60.3 history] {He} describes a difficult childhood. | Self-harm by cutting, most recently {2-4} weeks ago.
There have been several attendances at the emergency department over the past year. | {His} relationships tend to end abruptly.
[F60.3 scale] MSI-BPD screen {8-10}. | Zanarini rating scale score {16-24}.
[F60.3 mood] "all over the place"; objectively dysphoric | "empty"; objectively low
[F60.3 affect] labile, tearful | reactive, intense
[F60.3 thought] themes of rejection and worthlessness; no delusions | no formal thought disorder
[F60.3 risk] Chronic suicidal ideation, currently without intent.
Self-harm by cutting, most recently {2-4} weeks ago; no current plans. | Impulsive overdose in the past.
Risk rises at times of interpersonal stress.
[F60.3 risk_summary] Chronic risk is raised and acute risk is moderate. | Risk is moderate and fluctuating.
[F60.3 formulation] A long-standing pattern of emotional instability, impulsivity and self-harm.
An emotionally unstable personality, borderline type, with difficulties since adolescence.
[F60.3 differential] Bipolar disorder is unlikely; mood changes last hours, not days. | Complex PTSD was considered.
[F60.3 medication] Medication is not recommended for the core features; avoid polypharmacy.
Short-term promethazine 25 mg during crises. | Review and rationalise current medication.
[F60.3 therapy] Refer for dialectical behaviour therapy. | Offer mentalisation-based treatment.
Offer the STEPPS group programme. | Co-produce a crisis plan with {him}.
[F10.20 problem] harmful drinking and withdrawal symptoms | alcohol dependence | a request for help to stop drinking
[F10.20 duration] five years | several years | a decade | three years
[F10.20 onset] {He} has drunk daily for {dur}, currently about {80-140} units a week. | Drinking escalated over {dur}.
{He} has been dependent on alcohol for {dur}.
[F10.20 symptoms] morning tremor | sweating | craving | drinking on waking | tolerance | failed attempts to cut down
neglect of other interests | continued drinking despite harm
[F10.20 history] There is no history of withdrawal seizures or delirium tremens. | {He} drinks mainly strong cider.
{His} longest period of abstinence was {2-6} months. | Work has been affected by lateness and absence.
[F10.20 substance] {He} does not use illicit drugs and smokes {10-20} cigarettes a day. | No other substance use.
[F10.20 scale] AUDIT {20-35}. | AUDIT score {20-35} and SADQ {20-35}. | {His} AUDIT score was {20-35}.
[F10.20 appearance] tremulous, with a ruddy complexion | adequately dressed, mild tremor of the hands
[F10.20 mood] "ashamed"; objectively low | "fed up"; objectively euthymic
[F10.20 thought] preoccupied with drinking; no delusions | ambivalent about stopping
[F10.20 risk] There is risk of withdrawal seizures if {he} stops suddenly. | Accidental overdose of alcohol is a risk.
No suicidal ideation.
[F10.20 formulation] Alcohol dependence with withdrawal symptoms and failed attempts to stop.
Dependent drinking maintained by withdrawal relief.
[F10.20 differential] A primary depressive disorder is not evident; low mood may improve with abstinence.
[F10.20 medication] Start thiamine 100 mg three times daily.
Community detoxification with chlordiazepoxide 20 mg four times daily, reducing.
After detoxification start acamprosate 666 mg three times daily. | Consider naltrexone 50 mg daily.
[F10.20 therapy] Refer to the community alcohol service. | Information about mutual aid groups provided.
Offer motivational interviewing.
[F10.20 investigations] LFTs, GGT, MCV and clotting. | Check LFTs and FBC before detoxification.
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
