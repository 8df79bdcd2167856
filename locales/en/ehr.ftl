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
