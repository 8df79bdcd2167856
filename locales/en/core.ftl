# Hearth platform messages: the shell (navigation, top bar, footer), sign-in, two-step
# verification, password, sessions, the account page and error pages.
# reviewed: true

app-name = Hearth

## Shell

shell-skip-to-content = Skip to content
shell-menu = Menu
shell-search-label = Global search
shell-search-hint = Search patients and records
shell-search-placeholder = Search (Ctrl+K)
shell-theme-toggle = Switch light or dark theme
shell-notifications = Notifications
shell-notifications-unread = Notifications, unread:
shell-change-password = Change password
shell-sign-out = Sign out
shell-nav-main = Main
shell-breadcrumb = Breadcrumb
shell-home = Home
shell-request = Request

## Navigation: `nav-` and the entry's path with slashes as dashes

nav-home = Dashboard
nav-patients = Patients
nav-patients-today = Patients today
nav-inbox = Inbox
nav-orders-sets = Order sets
nav-icd10 = ICD-10-CM
nav-alerts = Alerts
nav-charges = Charges
nav-audit = Audit log
nav-admin-users = Users
nav-admin-roles = Roles
nav-admin-facilities = Facilities
nav-admin-security = Security events
nav-admin-jobs = Jobs & delivery
nav-admin-webhooks = Webhooks
nav-admin-break-glass = Emergency access
nav-admin-api-clients = API clients
nav-notifications = Notifications
nav-account = My account

## Sign-in

login-title = Sign in
login-heading = Sign in to Hearth
login-email = Email
login-password = Password
login-submit = Sign in
login-idle-note = Sessions end after { $minutes } minutes without activity. Five failed attempts lock an account for 15 minutes.
login-failed = Sign-in failed: the email or password is wrong, or the account is locked after repeated failures. Try again or ask an administrator.
login-signed-out = You have signed out.

## Two-step verification

mfa-title = Verification code
mfa-heading = Enter your verification code
mfa-intro = Open your authenticator app and type the 6-digit code for Hearth, or use one of your backup codes.
mfa-code = Code
mfa-verify = Verify
mfa-email-instead = Email me a code instead
mfa-cancel = Cancel and sign out
mfa-code-wrong = That code is wrong, expired or already used. Try the newest code from your app.
mfa-email-unavailable = Email codes are not available: this server sends no mail. Use your authenticator app or a backup code.
mfa-email-failed = The code could not be sent just now. Try again in a moment, or use your authenticator app.
mfa-email-sent = We sent a 6-digit code to your email address. It is valid for 10 minutes.
mfa-setup-heading = Two-step verification
mfa-backup-heading = Your backup codes
mfa-backup-intro = Each code works once, when your phone is not at hand. Store them somewhere safe: they are shown only now.
mfa-on = Two-step verification is on.
mfa-on-detail = Sign-in asks for a code from your authenticator app.
mfa-backup-left = { $count ->
    [one] { $count } unused backup code left.
   *[other] { $count } unused backup codes left.
}
mfa-current-code = Current code from your app
mfa-new-backup-codes = Make new backup codes
mfa-required = Your role requires two-step verification. Set it up to continue.
mfa-step-install = Install an authenticator app (for example FreeOTP, Aegis or Google Authenticator).
mfa-step-scan = Scan this code, or type the key by hand.
mfa-step-type = Type the 6-digit code the app shows.
mfa-key = Key:
mfa-app-code = Code from the app
mfa-turn-on = Turn on two-step verification

## Password

password-heading = Change password
password-forced = An administrator asked you to set a new password before you continue.
password-current = Current password
password-new = New password (at least 12 characters)
password-confirm = Repeat the new password
password-submit = Change password
password-current-wrong = The current password is wrong.
password-differ = The two new passwords differ.
password-reused = You used this password recently; choose one not among your last { $count }.
password-changed = Your password was changed. Other sessions were signed out.

## Session ended

session-ended-heading = Your session has ended
session-ended-drafts = Nothing was saved from the form you sent. After signing in you go back to it, and what you typed is put back.
session-ended-sign-in = Sign in again
session-ended-title = Session ended
session-ended-timeout = Your session ended after { $minutes } minutes without activity; sign in again — your draft is kept in this browser.
session-ended-elsewhere = Your session has ended (signed out or ended elsewhere); sign in again — your draft is kept in this browser.

## My sessions

sessions-heading = My sessions
sessions-revoke-others = Sign out all other sessions
sessions-none = No active sessions.
sessions-caption = Active sessions
sessions-device = Device
sessions-address = Address
sessions-started = Started ({ $zone })
sessions-last-seen = Last seen
sessions-actions = Actions
sessions-this = This session

## My account

account-heading = My account
account-email = Email
account-roles = Roles
account-on = On
account-off = Off
account-active-sessions = Active sessions
account-language-heading = Language
account-language-label = Language of your pages
account-language-facility = Your facility's language
account-language-save = Save language
account-language-saved = Your language was saved.
account-language-invalid = Choose one of the languages offered.

## Errors (titles by status code; the API keeps its English titles)

error-check-fields = Check these fields and try again:
error-field-sep = :
error-go-home = Go to the start page
error-title-400 = Bad request
error-title-401 = Sign-in required
error-title-403 = Forbidden
error-title-404 = Not found
error-title-405 = Method not allowed
error-title-409 = Conflict
error-title-413 = Request too large
error-title-415 = Unsupported media type
error-title-422 = Invalid input
error-title-429 = Too many requests
error-title-500 = Something went wrong
error-title-503 = Service unavailable

## Forms (components/forms.html)

forms-error-summary = { $count ->
    [one] Please correct the field marked below.
   *[other] Please correct the { $count } fields marked below.
}
forms-nothing-saved = Nothing was saved.
forms-choose = Choose…
forms-not-recorded = Not recorded
forms-none-recorded = None recorded.
forms-save = Save
forms-cancel = Cancel
forms-remove = Remove
forms-actions = Actions
forms-opens-new-tab = (opens in a new tab)

## Pager (components/_pager.html): `pager-` and the English label, lower case, spaces as dashes

pager-pagination = Pagination
pager-next-page = Next page
pager-first-page = First page
pager-older = Older
pager-newest = Newest
pager-earlier = Earlier
pager-latest = Latest
pager-older-events = Older events
pager-newest-events = Newest events
pager-older-entries = Older entries
pager-newest-entries = Newest entries
pager-timeline-pages = Timeline pages
pager-older-results = Older results
pager-older-orders = Older orders
pager-older-alerts = Older alerts
pager-older-jobs = Older jobs
pager-newest-jobs = Newest jobs

## E-mail and SMS frames (notify): patient-facing where it says so

mfa-email-code-title = Your sign-in code
mfa-email-code-body = Your sign-in code is { $code }. It is valid for 10 minutes and works once. If you did not try to sign in, tell your administrator.
notify-email-open = Open in Hearth
notify-email-footer-user = Sent by Hearth for { $hospital }. You receive this because of your notification settings; change them under Notifications > Settings. Do not reply to this message.
notify-email-footer-sign-in = Sent by Hearth for { $hospital } because someone is signing in to your account. Do not reply to this message.
notify-email-footer-patient = Sent by { $hospital }. Please do not reply to this message; to contact us, call the hospital.

## Notifications (notify/list.html, notify/settings.html); the page's title is shell-notifications

notify-settings = Settings
notify-mark-all-read = Mark all as read
notify-none = Nothing yet.
notify-urgent = Urgent
notify-unread = (unread)
notify-mark-read = Mark as read
notify-marked-read = Marked as read.
notify-marked-all-read = All notifications are marked as read.
notify-settings-heading = Notification settings
notify-correct-fields = Please correct the fields marked below.
notify-settings-caption = Channels for each kind of notification
notify-col-kind = Kind
notify-channel-in_app = In Hearth
notify-channel-email = Email
notify-channel-sms = SMS
# The kinds' labels: `notify-kind-` and the kind's code with dots as dashes (keep them in every language).
notify-kind-privacy-break_glass = Someone broke the glass on a restricted record
notify-kind-orders-countersign = Orders waiting for my countersignature
notify-kind-orders-result = Results waiting for my sign-off
notify-kind-inpatient-bed_assigned = A bed is assigned to your bed request
notify-kind-patient-message = Message to a patient
notify-kind-alerts-alert = Clinical alerts addressed to me
notify-kind-system-message = Messages from administrators and the system
notify-sms-number = Mobile number for SMS
notify-quiet-hours = Quiet hours ({ $zone }, your facility's time zone): non-urgent email and SMS wait until they end
notify-quiet-from = From
notify-quiet-until = Until
notify-error-sms = Enter the number in international form, e.g. +15551234567.
notify-error-quiet = Give both times as HH:MM (local time) and make them differ, or leave both empty.
notify-settings-saved = Your notification settings are saved.

## Search (search/page.html, search/suggest.html)

search-heading = Search
search-all-records = Search all records
search-label = Search everything you may see: patients by name, MRN, phone, national ID or date of birth
search-nothing = Nothing matches “{ $query }”.
search-see-all = See all matches in { $group } →
search-results = Search results
search-all-results = All results for “{ $query }” →
# Groups' titles: `search-group-` and the module's English title, lower case, spaces as dashes.
search-group-patients = Patients

# Facility time in forms (layout/time.html).
time-local = Local time.
time-dst-rule = A time the clocks skip when they go forward does not exist; in the hour repeated when they go back, the first occurrence is meant unless you choose the offset.
time-local-dst = Local time. { time-dst-rule }
time-local-in = Times are local ({ $zone }).
time-utc-offset = UTC offset
time-automatic = Automatic (first occurrence)
time-offset-matters = only matters in the hour repeated when the clocks go back

# The platform's error details (pages and the API's `detail`; `crates/core/src/i18n.rs` DETAILS).
error-detail-not-found = There is nothing at this address, or you may not see it.
error-detail-forbidden = Your role does not allow this. Ask an administrator if you need it.
error-detail-sign-in = Please sign in.
error-detail-internal = The error was logged. Quote the request id if you contact support.
error-detail-unavailable = The database is unreachable. Try again in a moment.
error-detail-busy = The server is busy and could not answer in time. Try again in a moment.
error-detail-unreadable = The request could not be read. Check the fields and try again.
error-detail-method = This address does not accept that method.
error-detail-too-large = The request body is too large.
error-detail-media-type = Send the body as application/json (API) or as a form (pages).
error-detail-fields = Some fields are missing or have the wrong type.
error-detail-failed = The request failed.
error-detail-nul = The request contains a character that cannot be stored (NUL).
error-detail-unique = This would duplicate an existing record (or one saved at the same moment).
error-detail-exclusion = This overlaps an existing record (or one saved at the same moment).
error-detail-foreign-key = A record this refers to does not exist (or no longer does), or others still refer to this one.
error-detail-check = A value is outside what this record allows.
error-detail-not-null = A required value is missing.
error-detail-data = A value cannot be stored as given (out of range or malformed).
error-detail-state = The record changed in the meantime and no longer allows this; reload and try again.
error-detail-csrf = The form could not be accepted: its page was open for too long, or your session ended. Reload the page (or sign in again) and send it again — your draft is kept in this browser.

# Navigation entries of the domain modules (`nav` + the entry's path, slashes as dashes).
nav-appointments = Appointments
nav-appointments-queue = Outpatient queue
nav-appointments-schedules = Clinic schedules
nav-bednet = Bed network
nav-billing = Billing
nav-emar = Medication rounds
nav-emergency = Emergency
nav-inpatient = Bed board
nav-inpatient-config = Wards and beds
nav-inpatient-housekeeping = Housekeeping
nav-inpatient-placement = Bed placement
nav-insurance-claims = Claims
nav-laboratory = Laboratory
nav-pharmacy-dispense = Dispensing
nav-pharmacy-formulary = Formulary
nav-pharmacy-stock = Pharmacy stock
nav-pharmacy-verify = Verification
nav-radiology = Radiology
nav-surgery = Theatres
