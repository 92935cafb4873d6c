"""Per-code phrase pools for the five most common demo codes: F32.1, F33.1, F41.1, F41.0, F43.10.

Part of the phrase bank (format and placeholders: :mod:`hf_synthmh.demo._phrases`). Entirely
fictional, written for hf_synthmh, released under CC0-1.0.
"""

__all__ = ["COMMON_CODES_BANK"]

COMMON_CODES_BANK = """\
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
"""
