# The chart (EHR): chart pages, and the patient messages (SMS, WhatsApp, e-mail).
# reviewed: true

## Patient messages (ehr/messages.html)

ehr-msg-title = Messages · { $name }
ehr-msg-heading = Messages
ehr-msg-intro = SMS, WhatsApp and email sent to the patient, newest first, with what the provider reported. A message the patient has not consented to is recorded but not sent.
ehr-msg-none = No messages have been sent to this patient.
ehr-msg-no-more = No more messages.
ehr-msg-caption = Messages to the patient
ehr-msg-col-queued = Queued ({ $zone })
ehr-msg-col-channel = Channel
ehr-msg-col-to = To
ehr-msg-col-subject = Subject
ehr-msg-col-status = Status
ehr-msg-col-sent = Sent
ehr-msg-col-delivered = Delivered
ehr-msg-col-attempts = Attempts
ehr-msg-provider = provider: { $status }
ehr-msg-send-heading = Send a message
ehr-msg-sms-no-phone = SMS: no phone on record
ehr-msg-sms-to = SMS to
ehr-msg-sms-consented = consented
ehr-msg-sms-not-consented = no SMS consent
ehr-msg-whatsapp-consented = WhatsApp consented
ehr-msg-whatsapp-not-consented = WhatsApp not consented
ehr-msg-email-no-address = email: no email on record
ehr-msg-email-to = email to
ehr-msg-email-consented = consented
ehr-msg-email-not-consented = no email consent
ehr-msg-consent-where = Consent is recorded on the patient's details.
ehr-msg-language-note = A template is written in the patient's preferred language when its translation is reviewed, else in the facility's language (else English); text you type is sent as typed.
ehr-msg-template = Template
ehr-msg-template-hint = A template replaces the subject and message below.
ehr-msg-template-none = None: write the message below
ehr-msg-body = Message (optional, up to 600 characters)
ehr-msg-sms-budget = An SMS is cut at 4 segments: about 600 characters in Latin scripts, but only about 260 in Arabic and other scripts.
ehr-msg-queue = Queue message
ehr-msg-queued = Message queued; its delivery status shows below.
ehr-msg-no-consent = Message recorded, but the patient has not consented to this channel: it will not be sent.
ehr-msg-err-template = Choose a template from the list.
ehr-msg-err-subject = Enter a subject (it starts the SMS).
ehr-msg-err-subject-max = At most { $max } characters.
ehr-msg-err-body-max = At most { $max } characters.
ehr-msg-err-no-phone = The record has no phone number; add one on the patient's details first.
ehr-msg-err-no-email = The record has no email address; add one on the patient's details first.
ehr-msg-err-channel = Choose SMS, WhatsApp or email.
ehr-msg-channel-sms = SMS
ehr-msg-channel-whatsapp = WhatsApp
ehr-msg-channel-email = Email
ehr-msg-status-queued = Queued
ehr-msg-status-sent = Sent
ehr-msg-status-delivered = Delivered
ehr-msg-status-failed = Failed
ehr-msg-status-dead = Not delivered
ehr-msg-status-not-sent = Not sent (no provider)
ehr-msg-status-suppressed = Not sent (no consent)

## Patient message templates (patient-facing: sent only in a reviewed language)

ehr-msg-tpl-results-ready-label = Results ready
ehr-msg-tpl-results-ready-subject = Your test results are ready
ehr-msg-tpl-results-ready-body = Please call { $hospital } to make an appointment to discuss them.
ehr-msg-tpl-please-call-label = Please call us
ehr-msg-tpl-please-call-subject = Please call us
ehr-msg-tpl-please-call-body = { $hospital } would like to speak with you. Please call us during opening hours.
ehr-msg-tpl-prescription-ready-label = Prescription ready
ehr-msg-tpl-prescription-ready-subject = Your prescription is ready
ehr-msg-tpl-prescription-ready-body = You can collect it from the pharmacy of { $hospital }.

## Chart overview (ehr/chart.html)

ehr-chart-title = Chart · { $name }
ehr-chart-active-problems = Active problems
ehr-chart-no-problems = No active problems recorded.
ehr-chart-not-icd-coded = , not ICD-coded
ehr-chart-since = since { $date }
ehr-chart-problem-list = Problem list
ehr-chart-latest-vitals = Latest vital signs
ehr-chart-warning = Warning
ehr-chart-no-vitals = No vital signs recorded.
ehr-chart-vitals-link = Vital signs and trends
ehr-chart-home-meds = Home medications
ehr-chart-no-meds = No home medications recorded.
ehr-chart-med-list = Medication list
ehr-chart-timeline = Timeline
ehr-chart-new-encounter = New encounter
ehr-chart-new-note = New note
ehr-chart-nothing-yet = Nothing recorded yet.
ehr-vital-temp = Temp
ehr-vital-pulse = Pulse
ehr-vital-bp = BP
ehr-vital-resp = Resp
ehr-vital-spo2 = SpO2
ehr-vital-weight = Weight
ehr-vital-bmi = BMI
ehr-vital-pain = Pain
ehr-news2 = NEWS2 { $score } · { $band }
ehr-news2-incomplete = NEWS2 incomplete: { $missing } not recorded

## Coded values (keys built from the code: keep them in every language)

ehr-flag-normal = Normal
ehr-flag-abnormal = Abnormal
ehr-flag-critical = Critical
ehr-news2-band-low = low clinical risk
ehr-news2-band-low-medium = low–medium clinical risk (a single parameter scored 3)
ehr-news2-band-medium = medium clinical risk
ehr-news2-band-high = high clinical risk
ehr-news2-param-respiration-rate = respiration rate
ehr-news2-param-spo2 = SpO2
ehr-news2-param-air-or-oxygen = air or oxygen
ehr-news2-param-systolic-blood-pressure = systolic blood pressure
ehr-news2-param-pulse = pulse
ehr-news2-param-consciousness = consciousness
ehr-news2-param-temperature = temperature
ehr-kind-encounter = Encounter
ehr-kind-problem = Problem
ehr-kind-allergy = Allergy
ehr-kind-vitals = Vital signs
ehr-kind-note = Note
ehr-kind-medication = Medication
ehr-kind-document = Document
ehr-kind-immunization = Immunization
ehr-kind-order = Order
ehr-kind-alert = Alert
ehr-status-active = Active
ehr-status-resolved = Resolved
ehr-status-inactive = Inactive
ehr-status-final = Final
ehr-status-signed = Signed
ehr-status-draft = Draft
ehr-status-open = Open
ehr-status-closed = Closed
ehr-status-normal = Normal
ehr-status-abnormal = Abnormal
ehr-status-critical = Critical
ehr-status-completed = Completed
ehr-status-stopped = Stopped

## Patient summary (ehr/summary.html) and notes (ehr/notes.html)

ehr-summary-print-hint = Print this page with your browser (Ctrl+P); navigation and buttons are left out of the printout.
ehr-summary-heading = Patient summary
ehr-summary-printed = printed { $when } by { $by }
ehr-summary-nka = No known allergies.
ehr-summary-allergies-not-recorded = Allergies not recorded.
ehr-summary-col-code = Code
ehr-summary-col-onset = Onset
ehr-summary-not-icd-coded = not ICD-coded
ehr-summary-recent-encounters = Recent encounters
ehr-summary-none = None.
ehr-summary-col-date = Date ({ $zone })
ehr-summary-col-department = Department
ehr-summary-col-clinician = Clinician
ehr-summary-col-reason = Reason
ehr-summary-signed-notes = Signed notes
ehr-summary-signed-by = signed by { $name }
ehr-notes-heading = Clinical notes
ehr-notes-new = New { $template }
ehr-notes-none = No notes yet.
ehr-notes-caption = Clinical notes, newest first
ehr-notes-col-written = Written
ehr-notes-col-title = Title
ehr-notes-col-template = Template
ehr-notes-col-author = Author
ehr-notes-addenda = { $count ->
    [one] +1 addendum
   *[other] +{ $count } addenda
}
ehr-note-template-soap = SOAP note
ehr-note-template-progress = Progress note
ehr-note-template-procedure = Procedure note
ehr-note-template-free = Free-text note

## Shared by the chart tabs

ehr-icd10cm = ICD-10-CM
ehr-status-entered-in-error = Entered in error
ehr-status-planned = Planned
ehr-status-arrived = Arrived
ehr-status-in-progress = In progress
ehr-status-finished = Finished
ehr-status-cancelled = Cancelled
ehr-enc-kind-outpatient = Outpatient
ehr-enc-kind-emergency = Emergency
ehr-enc-kind-inpatient = Inpatient
ehr-enc-kind-telephone = Telephone
ehr-enc-kind-virtual = Virtual
ehr-enc-kind-home-visit = Home visit

## Problem list (ehr/problems.html)

ehr-problems-title = Problems · { $name }
ehr-problems-heading = Problem list
ehr-problems-none = No problems recorded.
ehr-problems-caption = Problems
ehr-problems-col-problem = Problem
ehr-problems-col-onset = Onset
ehr-problems-col-status = Status
ehr-problems-col-resolved = Resolved
ehr-problems-col-recorded-by = Recorded by
ehr-problems-col-change = Change
ehr-problems-not-icd-coded = Not ICD-coded
ehr-problems-add-icd = Add ICD-10-CM code…
ehr-problems-suggested-for = Suggested for “{ $problem }”:
ehr-problems-use = Use
ehr-problems-type-icd = Or type a billable ICD-10-CM code
ehr-problems-add-code = Add code
ehr-problems-provisional = provisional
ehr-problems-rank-badge-primary = primary diagnosis of an encounter
ehr-problems-rank-badge-secondary = secondary diagnosis of an encounter
ehr-problems-resolve = Resolve
ehr-problems-reactivate = Re-activate
ehr-problems-entered-in-error = Entered in error
ehr-problems-open-action = { $action }…
ehr-problems-confirm-resolve = Confirm: resolve
ehr-problems-confirm-reactivate = Confirm: re-activate
ehr-problems-confirm-entered-in-error = Confirm: entered in error
ehr-problems-resolve-q = Resolve
ehr-problems-resolve-q-end = ? It leaves the active problem list.
ehr-problems-error-q = Mark
ehr-problems-error-q-end = entered in error? This cannot be undone.
ehr-problems-reason-required = Reason (required)
ehr-problems-resolved-on-optional = Resolved on (optional, default today)
ehr-problems-reason = Reason:
ehr-problems-new-heading = Add a problem
ehr-problems-dup-title = { $problem } is already an active problem.
ehr-problems-dup-existing = Existing entry: { $certainty }, onset { $onset }
ehr-problems-dup-comment = , “{ $comment }”
ehr-problems-dup-recorded = ; recorded { $when }.
ehr-problems-dup-recorded-by = ; recorded { $when } by { $name }.
ehr-problems-dup-update = Update the existing one
ehr-problems-dup-anyway = Record anyway…
ehr-problems-dup-why = Why record a second entry? (required)
ehr-problems-dup-record = Record a second entry
ehr-problems-dup-why-code = Why record a second entry with this code?
ehr-problems-browse-icd = Browse ICD-10-CM
ehr-problems-other-legend = Or: coded in another system, or free text (ICD-10-CM then optional)
ehr-problems-system = Code system
ehr-problems-system-none = — none (ICD-10-CM above, or free text) —
ehr-problems-system-snomed = SNOMED CT
ehr-problems-system-other = Another system (give its URI)
ehr-problems-system-uri = System URI
ehr-problems-system-uri-hint = With “another system”: the source system’s URI, e.g. http://example.org/codes.
ehr-problems-code = Code
ehr-problems-code-hint = SNOMED CT: the concept id, e.g. 49436004.
ehr-problems-display = Problem as named
ehr-problems-display-hint = Required with another system; alone it records the problem as free text.
ehr-problems-onset-date = Onset date
ehr-problems-resolved-on = Resolved on
ehr-problems-resolved-on-hint = When resolved: the resolution date (default today).
ehr-problems-certainty = Certainty
ehr-problems-certainty-confirmed = Confirmed
ehr-problems-certainty-provisional = Provisional
ehr-problems-encounter = Diagnosis of encounter
ehr-problems-encounter-none = — none (problem list only) —
ehr-problems-encounter-hint = Optional: records it as a diagnosis of this encounter.
ehr-problems-rank = Diagnosis rank
ehr-problems-rank-primary = Primary
ehr-problems-rank-secondary = Secondary
ehr-problems-rank-hint = With an encounter; one primary diagnosis per encounter.
ehr-problems-comment = Comment
ehr-problems-submit = Add problem

## Allergies (ehr/allergies.html)

ehr-allergies-title = Allergies · { $name }
ehr-allergies-heading = Allergies and intolerances
ehr-allergies-record-nka = Record “no known allergies”
ehr-allergies-nka = No known allergies
ehr-allergies-nka-recorded = recorded.
ehr-allergies-not-recorded = Allergies not recorded
ehr-allergies-not-recorded-hint = Ask the patient and record allergies or “no known allergies”.
ehr-allergies-col-substance = Substance
ehr-allergies-col-type = Type
ehr-allergies-col-reaction = Reaction
ehr-allergies-col-severity = Severity and criticality
ehr-allergies-col-status = Status
ehr-allergies-col-recorded = Recorded ({ $zone })
ehr-allergies-col-change = Change
ehr-allergies-verification-of = Verification: { $status }
ehr-allergies-onset = Onset { $date }
ehr-allergies-mark = Mark the allergy to
ehr-allergies-mark-inactive = inactive? It leaves the banner.
ehr-allergies-mark-active = active? It leaves the banner.
ehr-allergies-mark-entered-in-error = entered in error? It leaves the banner.
ehr-allergies-confirm-inactive = Confirm: inactive
ehr-allergies-confirm-active = Confirm: active
ehr-allergies-confirm-entered-in-error = Confirm: entered in error
ehr-allergies-new-heading = Record an allergy or intolerance
ehr-allergies-dup-title = An active allergy to { $substance } is already recorded.
ehr-allergies-dup-existing = Existing entry: { $kind },
ehr-allergies-dup-severity = severity
ehr-allergies-dup-reaction = , reaction { $reaction }
ehr-allergies-dup-update = Update the existing one (severity { $severity })
ehr-allergies-dup-why-substance = Why record a second entry for this substance?
ehr-allergies-substance-coded = Substance (coded)
ehr-allergies-substance-other = Other (type below)
ehr-allergies-substance-free = Substance (free text)
ehr-allergies-category = Category (for free text)
ehr-allergies-kind-allergy-option = Allergy
ehr-allergies-kind-intolerance-option = Intolerance
ehr-allergies-severity = Severity
ehr-allergies-optional = — (optional)
ehr-allergies-criticality = Criticality
ehr-allergies-criticality-hint = The risk of a future severe reaction (FHIR): low, high or unable to assess.
ehr-allergies-reaction-severity = Reaction severity
ehr-allergies-reaction-severity-hint = How severe the reaction above was.
ehr-allergies-verification = Verification
ehr-allergies-verification-hint = Default confirmed.
ehr-allergies-submit = Record allergy
ehr-allergies-kind-allergy = allergy
ehr-allergies-kind-intolerance = intolerance
ehr-allergies-category-drug = drug
ehr-allergies-category-food = food
ehr-allergies-category-environment = environment
ehr-allergies-category-other = other
ehr-allergies-category-medication = medication
ehr-allergies-category-biologic = biologic
ehr-allergies-severity-mild = mild
ehr-allergies-severity-moderate = moderate
ehr-allergies-severity-severe = severe
ehr-allergies-severity-life-threatening = life-threatening
ehr-allergies-reaction-severity-mild = mild
ehr-allergies-reaction-severity-moderate = moderate
ehr-allergies-reaction-severity-severe = severe
ehr-allergies-criticality-low = low
ehr-allergies-criticality-high = high
ehr-allergies-criticality-unable-to-assess = unable to assess
ehr-allergies-verification-unconfirmed = unconfirmed
ehr-allergies-verification-confirmed = confirmed
ehr-allergies-verification-refuted = refuted
ehr-allergies-verification-entered-in-error = entered in error

## Encounters (ehr/encounters.html)

ehr-enc-none = No encounters yet.
ehr-enc-caption = Encounters, newest first
ehr-enc-col-start = Start ({ $zone })
ehr-enc-col-kind = Kind
ehr-enc-col-department = Department
ehr-enc-col-clinician = Clinician
ehr-enc-col-reason = Reason
ehr-enc-col-diagnoses = Diagnoses
ehr-enc-col-change = Change status
ehr-enc-provisional = , provisional
ehr-enc-ended-at = Ended at (optional, default now)
ehr-enc-attending = Attending clinician
ehr-enc-start = Start
ehr-enc-start-hint = empty = now
ehr-enc-submit = Record encounter
ehr-enc-rank-primary = primary
ehr-enc-rank-secondary = secondary

## Home medications (ehr/medications.html)

ehr-meds-intro = What the patient takes at home. Prescribing is done in pharmacy.
ehr-meds-col-medication = Medication
ehr-meds-col-dose = Dose
ehr-meds-col-route = Route
ehr-meds-col-frequency = Frequency
ehr-meds-col-start = Start
ehr-meds-col-stop = Stop
ehr-meds-stop = Stop
ehr-meds-stopped-on = Stopped on (optional, default today)
ehr-meds-new-heading = Add a home medication
ehr-meds-start-date = Start date
ehr-meds-submit = Add medication
ehr-meds-route-oral = oral
ehr-meds-route-sublingual = sublingual
ehr-meds-route-inhaled = inhaled
ehr-meds-route-topical = topical
ehr-meds-route-transdermal = transdermal
ehr-meds-route-subcutaneous = subcutaneous
ehr-meds-route-intramuscular = intramuscular
ehr-meds-route-intravenous = intravenous
ehr-meds-route-rectal = rectal
ehr-meds-route-nasal = nasal
ehr-meds-route-ophthalmic = ophthalmic
ehr-meds-route-otic = otic
ehr-meds-route-vaginal = vaginal
ehr-meds-route-other = other
ehr-status-not-done = Not done
ehr-status-unknown = Unknown

## Procedures (ehr/procedures.html)

ehr-proc-heading = Procedure history
ehr-proc-intro = Procedures the patient had, here or elsewhere (operative records are kept by surgery).
ehr-proc-none = No procedures recorded.
ehr-proc-col-procedure = Procedure
ehr-proc-col-performed = Performed ({ $zone })
ehr-proc-col-encounter = Encounter
ehr-proc-col-recorded = Recorded
ehr-proc-by-source = by { $name } (source)
ehr-proc-new-heading = Add a past procedure
ehr-proc-system-none = — none (free text) —
ehr-proc-system-cpt = CPT
ehr-proc-system-icd10pcs = ICD-10-PCS
ehr-proc-system-hint = Optional; the API also takes the source system's own URI.
ehr-proc-code-hint = e.g. SNOMED CT 80146002, CPT 44950, ICD-10-PCS 0DTJ4ZZ.
ehr-proc-performed-start = Performed (start)
ehr-proc-performed-end = Ended (for a period, optional)
ehr-proc-encounter = Part of encounter
ehr-proc-encounter-none = — none —
ehr-proc-an-encounter = an encounter
ehr-proc-optional = Optional.
ehr-proc-note = Note
ehr-proc-submit = Add procedure

## Vital signs (ehr/vitals.html)

ehr-vitals-new-heading = Record vital signs
ehr-vitals-measured-at = Measured at
ehr-vitals-oxygen = Air or oxygen (NEWS2)
ehr-vitals-consciousness = Consciousness, ACVPU (NEWS2)
ehr-vitals-submit = Record
ehr-vitals-flags-note = Abnormal and critical readings are marked for the patient's age when measured; NEWS2 (RCP 2017) for adults.
ehr-vitals-table-label = Vital signs table (scrolls sideways)
ehr-vitals-caption = Measurements, newest first
ehr-vitals-col-time = Time ({ $zone })
ehr-vitals-col-assessment = Assessment
ehr-vitals-col-o2 = O2
ehr-vitals-col-acvpu = ACVPU
ehr-vitals-col-height = Height
ehr-vitals-unit-cm = cm
ehr-vitals-col-by = By
ehr-vitals-col-oxygen = Oxygen
ehr-vitals-col-air = Air
ehr-vitals-not-assessed = Not assessed
ehr-vitals-field-temperature-c = Temperature
ehr-vitals-field-pulse = Pulse
ehr-vitals-field-resp-rate = Respiratory rate
ehr-vitals-field-bp-systolic = Systolic pressure
ehr-vitals-field-bp-diastolic = Diastolic pressure
ehr-vitals-field-spo2 = SpO2
ehr-vitals-field-weight-kg = Weight
ehr-vitals-field-height-cm = Height
ehr-vitals-field-pain = Pain score
ehr-vitals-o2-none = Not recorded
ehr-vitals-o2-air = Air (no supplemental oxygen)
ehr-vitals-o2-oxygen = Supplemental oxygen
ehr-vitals-acvpu-none = Not recorded
ehr-vitals-acvpu-a = A — alert
ehr-vitals-acvpu-c = C — new confusion
ehr-vitals-acvpu-v = V — responds to voice
ehr-vitals-acvpu-p = P — responds to pain
ehr-vitals-acvpu-u = U — unresponsive

## Documents (ehr/documents.html, ehr/document.html)

ehr-docs-intro = Letters, reports, scans and consent forms on file for this patient. Every opening and download is recorded in the audit log.
ehr-docs-none = No documents on file.
ehr-docs-caption = Documents, newest first
ehr-docs-col-title = Title
ehr-docs-col-category = Category
ehr-docs-col-dated = Dated
ehr-docs-col-file = File
ehr-docs-col-uploaded = Uploaded ({ $zone })
ehr-docs-col-actions = Actions
ehr-docs-version-of = version { $version } of { $count }
ehr-docs-preview = Preview
ehr-docs-open-pdf = Open PDF
ehr-docs-download = Download
ehr-docs-new-heading = Add a document
ehr-docs-nothing-stored = Nothing was stored.
ehr-docs-title-hint = Leave empty to use the file name.
ehr-docs-date = Document date
ehr-docs-file-hint = { $kinds }, at most { $max } MiB.
ehr-docs-submit = Upload document
ehr-docs-category-referral-letter = Referral letter
ehr-docs-category-discharge-summary = Discharge summary
ehr-docs-category-lab-report = Lab report
ehr-docs-category-imaging-report = Imaging report
ehr-docs-category-consent-form = Consent form
ehr-docs-category-correspondence = Correspondence
ehr-docs-category-other = Other
ehr-doc-all = ← All documents
ehr-doc-showing = Showing
ehr-doc-version-of = Version { $version } of { $count }
ehr-doc-not-current = not the current version
ehr-doc-sha = SHA-256
ehr-doc-open-image = Open image
ehr-doc-image-alt = { $title }, version { $version }
ehr-doc-image-caption = { $file }, uploaded { $when }
ehr-doc-pdf-note = PDFs open in the browser's own viewer (a new tab), or download them.
ehr-doc-versions = Versions
ehr-doc-versions-caption = Versions, newest first
ehr-doc-col-version = Version
ehr-doc-current = current
ehr-doc-show = Show
ehr-doc-new-version = Upload a new version
ehr-doc-kept = The earlier versions are kept unchanged.
ehr-doc-what-changed = What changed
ehr-doc-submit = Upload version

## A note, a new note (ehr/note.html, ehr/note_new.html)

ehr-note-new-heading = New note
ehr-note-crumb-new = New
ehr-note-signed-locked = Signed · locked
ehr-note-signed-by = Signed by
ehr-note-body = Note
ehr-note-save-draft = Save draft
ehr-note-sign-open = Sign note…
ehr-note-sign-locks = Signing locks the note: it cannot be changed afterwards, only amended with an addendum.
ehr-note-save-first = Save any changes to the draft first.
ehr-note-reviewed = I have reviewed this note and sign it
ehr-note-sign-submit = Sign and lock
ehr-note-addenda = Addenda
ehr-note-addendum-by = Addendum by { $name }, { $when }
ehr-note-add-addendum-heading = Add an addendum
ehr-note-addendum = Addendum
ehr-note-add-addendum = Add addendum
ehr-note-all-notes = All notes
ehr-note-encounter = Encounter
ehr-note-encounter-none = — none —
ehr-note-encrypted = Notes are stored encrypted. A signed note is locked; corrections are added as addenda.
ehr-note-save-sign-open = Save and sign…
ehr-note-save-sign = Save and sign
ehr-note-signed-flash = Note signed.
ehr-note-draft-saved = Draft saved.
ehr-note-signed-locked-flash = Note signed; it is now locked.
ehr-note-addendum-added = Addendum added.

## Visit start (ehr/visit_start.html)

ehr-visit-born = born { $date }
ehr-visit-back = Back to the patient
ehr-visit-open = This patient already has a visit under way: started { $when } ({ $zone }){ $place }. Finish or cancel it before starting another.
ehr-visit-open-in = in { $department }
ehr-visit-open-with = with { $clinician }
ehr-visit-department = Department
ehr-visit-clinician = Attending clinician (optional)
ehr-visit-not-assigned = Not assigned yet
ehr-visit-reason = Reason for the visit
ehr-visit-submit = Start visit (check in now)
ehr-visit-started = Visit started: the patient is checked in to { $department }.
ehr-visit-started-department = Visit started: the patient is checked in to the department.
ehr-visit-blocked-merged = This record was merged into another one; start the visit on the surviving record.
ehr-visit-blocked-deceased = The patient is recorded as deceased.
ehr-visit-blocked-closed = The record is closed; reopen it before starting a visit.

## The ICD-10-CM browser and the problem form's picker (ehr/icd10*.html)

ehr-icd-heading = ICD-10-CM
ehr-icd-intro = The US clinical modification of ICD-10 (FY2026, CDC/NCHS, public domain). Billable codes are valid on the problem list.
ehr-icd-search-region = Search ICD-10-CM
ehr-icd-search-label = Search by code or words
ehr-icd-search = Search
ehr-icd-browse = Browse
ehr-icd-all-chapters = All chapters
ehr-icd-billable = billable
ehr-icd-heading-badge = heading
ehr-icd-no-children = No codes below this one.
ehr-icd-no-match = No ICD-10-CM code matches “{ $query }”.
ehr-icd-used = used { $count }×
ehr-icd-picker-empty = Type a code or words; your recent codes appear here once you have recorded some.
ehr-icd-picker-no-match = No billable code matches “{ $query }”.
ehr-icd-picker-label = Diagnosis (ICD-10-CM)
ehr-icd-picker-hint = Type a code (E11.9) or words, also everyday ones (“high blood pressure”); use the arrow keys and Enter to choose. Billable codes only; your recent codes come first.

## The start page's panels (ehr/_start_panel.html)

ehr-start-encounters-intro = Encounters with you as clinician on { $day }.
ehr-start-encounters-empty = No encounters with you as clinician today.
ehr-start-notes-intro = Your draft notes, oldest first: sign them or discard them.
ehr-start-notes-empty = No unsigned notes: every note you wrote is signed.
ehr-start-observations-intro = Your patients without a set of vital signs in the last { $hours } hours.
ehr-start-observations-empty = No observations due: every patient on your list had vital signs taken recently.
ehr-start-draft-note = Draft note
ehr-start-no-vitals = No vital signs recorded
ehr-start-last-vitals = Last vital signs

## Form errors and refusals of these pages (crates/ehr/src/i18n.rs ERRORS)

ehr-err-note-template = Choose SOAP, progress, procedure or free-text.
ehr-err-max-200 = At most 200 characters.
ehr-err-note-body = Write the note.
ehr-err-note-encounter-other = That encounter is not this patient's.
ehr-err-note-encounter = Choose an encounter from the list.
ehr-err-note-title = Enter a title of at most 200 characters.
ehr-err-note-confirm-new = Tick “I have reviewed this note” to sign it (signing locks it), or save a draft.
ehr-err-note-confirm = Tick “I have reviewed this note” to sign it; signing locks it. Nothing was signed.
ehr-err-visit-department = Choose the department the patient is visiting.
ehr-err-visit-department-open = Choose one of your facility's open departments.
ehr-err-visit-reason = Enter the reason for the visit (e.g. "follow-up of asthma").

# The banner's fixed texts (BannerItem::keyed in crates/ehr).
ehr-banner-not-recorded = Not recorded
ehr-banner-none-active = None active
ehr-banner-nka = No known allergies
ehr-banner-allergies-not-recorded = Allergies not recorded

# The chart tabs' flash messages.
ehr-flash-allergy-recorded = Recorded allergy to { $substance }.
ehr-flash-nka-recorded = Recorded: no known allergies.
ehr-flash-allergy-updated = Allergy updated.
ehr-flash-encounter-recorded = Encounter recorded.
ehr-flash-added = Added { $name }.
ehr-flash-medication-updated = Medication updated.
ehr-flash-problem-updated = Problem updated.
ehr-flash-problem-coded = Coded as { $label }.
ehr-flash-procedure-added = Added the procedure { $name }.
ehr-flash-procedure-entered-in-error = Procedure marked entered in error.
ehr-flash-allergy-updated-existing = Updated the existing allergy to { $substance }.
