# Administration: users, roles and permissions, facilities, security events, emergency access
# review, API clients, jobs and delivery, webhooks.
# reviewed: true

## Shared
admin-col-name = Name
admin-col-status = Status
admin-col-code = Code
admin-col-actions = Actions
admin-col-last-error = Last error
admin-col-attempts = Attempts
admin-col-event = Event
admin-correct-fields = Please correct the fields marked below.
admin-never = never
admin-none = None
admin-enabled = Enabled
admin-disabled = Disabled
admin-enable = Enable
admin-disable = Disable
admin-active = Active
admin-closed = Closed
admin-error-name = Enter a name of at most 200 characters.

## API clients (admin/api_clients.html)
admin-clients-heading = API clients
admin-clients-intro-1 = Systems that call Hearth's API with their own credentials:
admin-clients-intro-2 = with
admin-clients-intro-3 = . Every call they make is audited.
admin-clients-issued-client = Client
admin-clients-issued-secret = , secret (shown once, store it in the integration's vault):
admin-clients-none = No API clients yet.
admin-clients-col-client-id = Client id
admin-clients-col-scopes = Scopes
admin-clients-col-allowed = Allowed from
admin-clients-col-last-used = Last used ({ $zone })
admin-clients-any-address = any address
admin-clients-new-secret = New secret
admin-clients-register-heading = Register a client
admin-clients-import-label = bulk import at its own rate
admin-clients-import-hint = An importing client may send { $rate } requests a minute (HEARTH_IMPORT_RATE_PER_MIN) instead of 600. It grants no permission by itself.
admin-clients-facility = Facility (where records it creates belong)
admin-clients-ip-allow = Allowed addresses (one per line, e.g. 10.0.0.0/24; empty: any)
admin-clients-register = Register client
admin-clients-error-scopes-none = Choose at least one scope.
admin-clients-error-scopes-unknown = One of the scopes is unknown or may not be given to a client.
admin-clients-error-ip = { $line } is not an address or network such as 10.0.0.0/24.
admin-clients-error-facility = Choose a facility from the list.
admin-clients-enabled-flash = The client is enabled.
admin-clients-disabled-flash = The client is disabled; its tokens stopped working.

## Emergency access review (admin/break_glass.html)
admin-glass-heading = Emergency access review
admin-glass-crumb = Emergency access
admin-glass-show-unreviewed = Show unreviewed only
admin-glass-show-all = Show all, reviewed too
admin-glass-intro = Every time someone broke the glass to open a restricted record: who, when, which record and why. Review each use and record your conclusion.
admin-glass-none-all = No emergency access has been used.
admin-glass-none-waiting = Nothing waits for review.
admin-glass-caption = Emergency access uses
admin-glass-col-when = When ({ $zone })
admin-glass-col-who = Who
admin-glass-col-record = Record
admin-glass-col-reason = Reason
admin-glass-col-review = Review
admin-glass-reviewed-by = Reviewed by { $name }, { $date }
admin-glass-note = Review note
admin-glass-note-placeholder = Conclusion (optional)
admin-glass-mark-reviewed = Mark reviewed
admin-glass-reviewed-flash = Marked as reviewed.
# The kinds of reason (patients' access REASONS): keep every code in all languages.
admin-glass-reason-emergency_treatment = Emergency treatment
admin-glass-reason-urgent_consultation = Urgent consultation
admin-glass-reason-patient_safety = Patient safety
admin-glass-reason-continuity_of_care = Continuity of care
admin-glass-reason-other = Other

## Facilities (admin/facilities.html, admin/facility.html)
admin-col-time-zone = Time zone
admin-facilities-heading = Facilities
admin-facilities-none = No facilities yet. Create the first one below.
admin-facilities-col-departments = Departments
admin-facilities-new = New facility
admin-facilities-code = Code (MRN prefix)
admin-facilities-address = Address
admin-facilities-create = Create facility
admin-facilities-created = Facility created.
admin-facilities-error-code = Use 2 to 10 letters or digits; the code prefixes MRNs.
admin-facilities-error-timezone = Enter a time zone name such as Europe/London, Asia/Kolkata or UTC.
admin-facilities-error-code-taken = Another facility has this code.
admin-facility-open = Open
admin-facility-close = Close facility
admin-facility-reopen = Reopen facility
admin-facility-mrn-heading = Medical record numbers
admin-facility-next-mrn = Next MRN:
admin-facility-mrn-format-1 = MRN format:
admin-facility-mrn-format-2 = (required),
admin-facility-mrn-format-3 = , and one
admin-facility-mrn-format-4 = or
admin-facility-mrn-format-5 = (n digits, zero-padded)
admin-facility-save-mrn = Save MRN format
admin-facility-mrn-saved = MRN format saved.
admin-facility-no-departments = No departments yet.
admin-facility-close-department = Close { $code }
admin-facility-reopen-department = Reopen { $code }
admin-facility-add-department = Add department
admin-facility-department-added = Department added.
admin-facility-error-department-code = Department code: 1 to 20 letters, digits, - or _.
admin-facility-error-department-name = Enter a department name of at most 200 characters.
admin-facility-error-department-taken = This facility already has a department with that code.
# Built from the entity (facility, department) and the change (reopened, closed).
admin-facility-facility-reopened = The facility is open again.
admin-facility-facility-closed = The facility is closed.
admin-facility-department-reopened = The department is open again.
admin-facility-department-closed = The department is closed.

## Roles and permissions (admin/roles.html, admin/role.html, admin/role_confirm.html)
admin-roles-heading = Roles and permissions
admin-roles-crumb = Roles
admin-roles-intro = Open a role to see and change its permissions, grouped by module; every change is summarised for you to confirm before it is saved. Super admins always hold every permission.
admin-roles-caption = Roles and how many of the { $total } permissions each holds
admin-roles-col-role = Role
admin-roles-col-purpose = What it is for
admin-roles-col-permissions = Permissions
admin-roles-granted = { $granted } of { $total }
admin-roles-policy-heading = Sign-in policy
admin-roles-policy-caption = Sign-in policy by role
admin-roles-col-mfa = Two-step verification required
admin-roles-col-sessions = Concurrent sessions (empty: no limit)
admin-roles-mfa-label = { $role }: two-step verification required
admin-roles-sessions-label = { $role }: session limit
admin-roles-save-policy = Save sign-in policy
admin-roles-policy-saved = Sign-in policy saved.
admin-roles-saved-all = Saved: { $added } granted, { $removed } removed.
admin-role-title = Role: { $role }
admin-role-holds = holds { $checked } of { $total } permissions
admin-role-saved-count = (saved: { $granted })
admin-role-cannot-save = This cannot be saved: { $error }
admin-role-super-admin = Super admins always hold every permission; this role cannot be edited.
admin-role-group-count = { $checked } of { $total }
admin-role-locked = you do not hold this permission, so you cannot change it
admin-role-review = Review changes
admin-role-back = Back to roles
admin-role-nothing-to-save = Nothing to save: no permission was changed.
admin-role-nothing-changed = Nothing changed.
admin-role-saved = Saved { $role }: { $added } granted, { $removed } removed.
admin-confirm-heading = Confirm changes to { $role }
admin-confirm-nothing-saved = Nothing is saved yet.
admin-confirm-after = After saving, { $role } holds { $after ->
    [one] { $after } permission
   *[other] { $after } permissions
} (now { $now }); users with this role get the change on their next request.
admin-confirm-granted = Granted ({ $count })
admin-confirm-removed-heading = Removed ({ $count })
admin-confirm-added = Added:
admin-confirm-removed = Removed:
admin-confirm-save = Save these changes
admin-confirm-change-selection = Change the selection

## Security events (admin/security.html)
admin-col-time = Time ({ $zone })
admin-security-heading = Security events
admin-security-last-day = Last 24 hours
admin-security-none-last-day = No security events in the last 24 hours.
admin-security-none = No security events recorded yet.
admin-security-caption = Latest security events, newest first
admin-security-col-account = Account
admin-security-full-log = Open the full audit log →

## Users (admin/users.html, admin/user_form.html)
admin-users-heading = Users
admin-users-new = New user
admin-users-find = Find users
admin-users-search-label = Search by email or name
admin-users-search = Search
admin-users-none = No users match.
admin-users-email = Email
admin-users-roles = Roles
admin-users-col-last-sign-in = Last sign-in ({ $zone })
admin-users-deactivated = Deactivated
admin-users-locked = Locked
admin-users-crumb-new = New
admin-user-temp-password = Temporary password (shown once, give it to the user in person):
admin-user-temp-password-change = The user must choose a new password at first sign-in.
admin-user-role-fixed = (you cannot change this role)
admin-user-own-roles-hint = You cannot change your own roles; another administrator can.
admin-user-grant-hint = You can grant only roles whose permissions you hold yourself.
admin-user-save = Save
admin-user-create = Create user
admin-user-account = Account
admin-user-status = Status:
admin-user-locked-why = after failed sign-ins
admin-user-last-sign-in = Last sign-in:
admin-user-deactivate-open = Deactivate…
admin-user-deactivate-explain = Deactivating { $name } signs them out everywhere and revokes their API tokens until the account is reactivated.
admin-user-deactivate-confirm = End this account's access
admin-user-deactivate-reason = Reason (optional, kept in the audit log)
admin-user-deactivate = Deactivate the account
admin-user-reactivate = Reactivate
admin-user-reset-password = Force password reset
admin-user-reset-mfa = Reset two-step verification
admin-user-revoke-sessions = Sign out everywhere
admin-user-activity = Activity
admin-user-error-no-role = Choose at least one role.
admin-user-error-unknown-role = One of the chosen roles does not exist.
admin-user-error-role-refused = You may not grant or remove the role { $roles }: it carries permissions you do not hold yourself.
admin-user-error-unknown-facility = One of the chosen facilities does not exist.
admin-user-error-email = Enter a valid email address.
admin-user-error-email-taken = A user with this email already exists.
admin-user-error-own-roles = You cannot change your own roles.
admin-user-error-confirm = Tick “End this account's access” to deactivate it. Nothing was changed.
admin-user-saved = Saved.
admin-user-saved-signed-out = Saved. The user's roles changed, so their sessions were signed out.
admin-user-reactivated = The account is active again.
admin-user-deactivated = The account is deactivated and its sessions ended.
admin-user-mfa-reset = Two-step verification was reset and the user's sessions ended.
admin-user-sessions-ended = { $count } session(s) signed out.

## Jobs and delivery (admin/jobs.html)
admin-col-created = Created ({ $zone })
admin-jobs-heading = Jobs & delivery
admin-jobs-intro = Background work waiting, running, failed (retried with backoff) or dead (out of attempts). Retrying gives a job a fresh set of attempts; discarding deletes it. Both are audited.
admin-jobs-filter = Filter jobs
admin-jobs-all = All
admin-jobs-none = No jobs here.
admin-jobs-caption = Jobs
admin-jobs-col-id = Id
admin-jobs-col-kind = Kind
admin-jobs-col-state = State
admin-jobs-col-next-run = Next run ({ $zone })
admin-jobs-retry = Retry
admin-jobs-discard = Discard
admin-jobs-retried = Job { $id } will run again shortly.
admin-jobs-discarded = Job { $id } was discarded.
# Job states (codes): keep every one in all languages.
admin-jobs-state-queued = queued
admin-jobs-state-running = running
admin-jobs-state-failed = failed
admin-jobs-state-dead = dead
admin-jobs-breakers-heading = Circuit breakers
admin-jobs-breakers-intro = After repeated failures a provider's deliveries wait instead of hammering it; one trial delivery is let through when the pause ends.
admin-jobs-breakers-none = No provider has failed yet.
admin-jobs-col-provider = Provider
admin-jobs-col-failures = Failures in a row
admin-jobs-col-paused-until = Paused until ({ $zone })
# Circuit breaker states (codes): keep every one in all languages.
admin-jobs-breaker-closed = closed
admin-jobs-breaker-open = open
admin-jobs-breaker-half_open = half_open
admin-jobs-messages-heading = Recent messages
admin-jobs-messages-none = No email, SMS or webhook messages yet.
admin-jobs-col-channel = Channel
admin-jobs-col-recipient = Recipient
admin-jobs-schedules-heading = Recurring schedules
admin-jobs-col-cron = Cron
admin-jobs-col-job-kind = Job kind
admin-jobs-col-last-run = Last run

## Webhooks (admin/webhooks.html)
admin-webhooks-heading = Webhooks
admin-webhooks-intro-1 = External systems receive events as JSON POSTs signed with HMAC-SHA256: header
admin-webhooks-intro-2 = over
admin-webhooks-intro-3 = with
admin-webhooks-intro-4 = is the same on every retry. Failed deliveries are retried with backoff.
admin-webhooks-issued = Signing secret (shown once; store it with the receiver):
admin-webhooks-none = No subscribers yet.
admin-webhooks-col-url = URL
admin-webhooks-col-events = Events
admin-webhooks-send-test = Send test event
admin-webhooks-register-heading = Register a subscriber
admin-webhooks-register = Register
admin-webhooks-history-heading = Delivery history
admin-webhooks-history-none = No deliveries yet.
admin-webhooks-col-subscriber = Subscriber
admin-webhooks-col-http = HTTP
admin-webhooks-error-url-long = The URL is too long.
admin-webhooks-error-events = Choose at least one event type from the list.
admin-webhooks-enabled-flash = The webhook is enabled.
admin-webhooks-disabled-flash = The webhook is disabled.
admin-webhooks-test-queued = A test event was queued.
