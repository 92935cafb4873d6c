"""Per-code phrase pools for the five less common demo codes: F20.0, F31.2, F42.2, F60.3, F10.20.

Part of the phrase bank (format and placeholders: :mod:`hf_synthmh.demo._phrases`). Entirely
fictional, written for hf_synthmh, released under CC0-1.0.
"""

__all__ = ["LESS_COMMON_CODES_BANK"]

LESS_COMMON_CODES_BANK = """\
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
"""
