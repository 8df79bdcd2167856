# Clinical alerts: the banner, the lists, an alert's page, on-call lists, nurse assignments, escalation chains.
# reviewed: true

## Banner and start-page panels
alerts-banner-title = { $count ->
    [one] An alert needs your acknowledgement
   *[other] { $count } alerts need your acknowledgement
}
alerts-banner-all = All { $count } open alerts
alerts-all = All alerts
alerts-ward-assignments = Ward assignments
alerts-panel-no-alerts = No open alerts are addressed to you.
alerts-panel-no-patients = No patients are assigned to you on this shift.
alerts-no-ward = No ward given
alerts-until = until
alerts-restricted = Restricted record

## Lists
alerts-heading = Alerts
alerts-filter-whose = Whose
alerts-filter = Filter
alerts-filter-clear = Clear
alerts-any = Any
alerts-none-match = No alerts match these filters.
alerts-caption = Alerts, newest first
alerts-col-raised = Raised ({ $zone })
alerts-col-severity = Severity
alerts-col-alert = Alert
alerts-col-patient = Patient
alerts-col-status = Status
alerts-col-acknowledged = Acknowledged
alerts-col-time-to-ack = Time to acknowledge
alerts-step-n = step { $step }
alerts-duration-s = { $s } s
alerts-duration-min = { $min } min
alerts-duration-h-min = { $h } h { $min } min
alerts-patient-none = No alerts about this patient.
alerts-patient-region = Alerts about the patient
alerts-patient-caption = Alerts about the patient, newest first

## Nurse assignments
alerts-assignments-heading = Nurse assignments
alerts-assignments-intro = Nurses assigned to patients for the current and next shifts in your facilities. Assign from the patient's Alerts tab.
alerts-assignments-none = No nurse is assigned now or later.
alerts-assignments-caption = Nurse assignments by ward and nurse
alerts-col-ward = Ward
alerts-col-nurse = Nurse
alerts-col-from = From ({ $zone })
alerts-col-to = To
alerts-col-change = Change
alerts-on-shift = On shift
alerts-end-now = End now
alerts-nurses-heading = Nurses assigned
alerts-nurses-none = No nurse is assigned for the current or next shift.
alerts-nurses-caption = Nurse assignments, current and upcoming
alerts-assign-heading = Assign a nurse for a shift
alerts-from = From
alerts-at-most-24-hours = at most 24 hours
alerts-assign = Assign
alerts-assigned-done = The nurse is assigned for the shift.
alerts-assignment-ended = The assignment has ended.

## On call
alerts-on-call-heading = On call
alerts-on-call-intro = Who holds each duty, per facility and department (a department's list comes first, then the facility's). Alerts escalate to them along their chains.
alerts-on-call-none = Nobody is on call now or later in your facilities.
alerts-on-call-lists = On-call lists
alerts-on-call-caption = On call now and later, by start
alerts-col-duty = Duty
alerts-col-who = Who
alerts-col-facility = Facility
alerts-col-department = Department
alerts-col-note = Note
alerts-now = Now
alerts-whole-facility = Whole facility
alerts-on-call-new-heading = Put someone on call
alerts-at-most-7-days = at most 7 days
alerts-on-call-note-hint = How to reach them (bleep, phone); optional.
alerts-add = Add
alerts-on-call-added = Added to the on-call list.
alerts-on-call-ended = The shift has ended; alerts left with nobody escalate.

## An alert
alerts-about = About
alerts-col-kind = Kind
alerts-raised = Raised
alerts-after = after { $time }
alerts-read-back-note = Read-back note
alerts-cancelled = Cancelled
alerts-acknowledge = Acknowledge
alerts-read-back-required = Required: what you read back or did (e.g. the value read back, the review arranged).
alerts-read-back-optional = Optional: what you read back or did.
alerts-acknowledged-done = Acknowledged. The escalation has stopped.
alerts-chain-heading = Escalation chain
alerts-chain-step-to-ack = { $min } min to acknowledge
alerts-steps-none = No step has fired yet.
alerts-steps-caption = Steps that fired and who was told
alerts-col-step = Step
alerts-col-time = Time ({ $zone })
alerts-col-why = Why
alerts-col-told = Told
alerts-nobody = Nobody to address

## Escalation chains
alerts-chains-heading = Escalation chains
alerts-chains-intro = Each kind of alert that the modules raise, and whom it reaches while nobody acknowledges it. An alert keeps the chain it was raised with.
alerts-chains-none = No module declares an alert kind.
alerts-chains-caption = Alert kinds and their chains
alerts-col-chain = Chain
alerts-chain-step-minutes = { $min } min
alerts-chain-changed = Changed from the default
alerts-chain-default = Default
alerts-edit = Edit
alerts-chain-intro = Step by step: whom the alert reaches and how many minutes they have to acknowledge before the next step. A step with nobody to address (no attending, nobody on call) passes at once; addressees who go off shift pass it on early. The last step's minutes are not used.
alerts-chain-whom = Whom
alerts-chain-minutes = Minutes
alerts-chain-reset = Back to the default chain
alerts-chain-no-step = — (no step)
alerts-chain-saved = Saved. Alerts raised from now on follow this chain.
alerts-chain-reset-done = Back to the default chain.

## Coded values (keys built from the code: keep them in every language)
alerts-severity-info = Information
alerts-severity-warning = Warning
alerts-severity-critical = Critical
alerts-status-open = Open
alerts-status-escalated = Escalated
alerts-status-acknowledged = Acknowledged
alerts-status-cancelled = Cancelled
alerts-filter-status-open = Open
alerts-filter-status-escalated = Escalated
alerts-filter-status-acknowledged = Acknowledged
alerts-filter-status-cancelled = Cancelled
alerts-filter-status-all = All
alerts-filter-scope-mine = Addressed to me
alerts-filter-scope-facility = My facilities
alerts-duty-doctor = On-call doctor
alerts-duty-charge-nurse = Nurse in charge
alerts-duty-consultant = Consultant on call
alerts-duty-pharmacist = On-call pharmacist
alerts-duty-other = On call: { $duty }
alerts-addressee-given = The person the alert names
alerts-addressee-attending = Attending clinician
alerts-addressee-assigned-nurse = Assigned nurse
alerts-addressee-fallback = Alert managers (nobody else was found)
alerts-reason-raised = Raised
alerts-reason-timeout = Not acknowledged in time
alerts-reason-off-shift = Addressee went off shift
alerts-reason-nobody = Nobody to address at the previous step
alerts-kind-ehr-vitals = Deteriorating vital signs (a critical reading, NEWS2 5 or more, or 3 in one parameter)
alerts-kind-emar-overdue-dose = Medication dose overdue
alerts-kind-emergency-clinician-wait = ED patient waiting beyond the ESI target for a clinician
alerts-kind-emergency-length-of-stay = ED length of stay beyond the target
alerts-kind-immunizations-reaction = Immediate adverse reaction to a vaccine
alerts-kind-laboratory-critical-value = Critical laboratory value
alerts-kind-radiology-critical-finding = Critical imaging finding
