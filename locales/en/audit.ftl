# Audit log: the filters and the list of events.
# reviewed: true

audit-heading = Audit log
audit-export = Export CSV
audit-filter-user = User (email)
audit-filter-patient = Patient (name, MRN or id)
audit-filter-patient-placeholder = family name, MRN…
audit-filter-entity = Entity type
audit-filter-entity-placeholder = patient, user, session…
audit-filter-from = From
audit-filter-from-hint = (local day, { $zone })
audit-filter-to = To
audit-filter-to-hint = (included)
audit-filter-access = Access only
audit-filter-access-hint = (views, lists, exports, prints)
audit-filter = Filter
audit-clear = Clear
audit-no-patient = No patient matches “{ $query }” among the records you may open. Try the MRN, or the family name alone.
audit-none = No audit events match these filters.
audit-events = Audit events
audit-caption = Audit events, newest first
audit-col-time = Time ({ $zone })
audit-col-actor = Actor
audit-col-action = Action
audit-col-entity = Entity
audit-col-patient = Patient
audit-col-changes = Changes
audit-col-ip = IP
audit-restricted-record = Restricted record
audit-unknown-record = Unknown record
audit-withheld = Withheld: restricted record
