# Orders: the chart's Orders tab, the order form and page, order sets, the results inbox.
# reviewed: true

## Start-page panels
orders-panel-countersign = { $count ->
    [one] { $count } verbal or telephone order entered on your behalf waits for your countersignature.
   *[other] { $count } verbal or telephone orders entered on your behalf wait for your countersignature.
}
orders-panel-results = { $count ->
    [one] { $count } result waits for your sign-off.
   *[other] { $count } results wait for your sign-off.
}
orders-panel-released = released { $time }
orders-panel-covering = covering for { $name }
orders-open-inbox = Open the inbox
orders-by = by { $name }
orders-entered-by = entered by { $name }

## Inbox
orders-inbox-heading = Inbox
orders-countersign-heading = Orders to countersign
orders-countersign-none = No verbal or telephone order waits for your countersignature.
orders-countersign-caption = Verbal and telephone orders entered on your behalf, newest first
orders-col-entered = Entered ({ $zone })
orders-col-patient = Patient
orders-col-order = Order
orders-col-how = How
orders-col-countersign = Countersign
orders-countersign = Countersign
orders-signed-off-heading = Signed-off results
orders-to-sign-off-heading = Results to sign off
orders-signed-off-none = No result signed off yet.
orders-to-sign-off-none = Nothing waits for your sign-off.
orders-released-caption = Released results, newest first
orders-col-released = Released ({ $zone })
orders-col-result = Result
orders-col-signed-off = Signed off
orders-covering-badge = Covering for { $name }
orders-note-optional = Note (optional)
orders-sign-off = Sign off
orders-signed-off-done = The result is signed off.
orders-away-heading = Away
orders-away-until = You are away until
orders-away-cover = { $name } covers for you and receives your results.
orders-away-back = I am back
orders-away-hint = While you are away, released results of your orders go to the colleague who covers for you, and those waiting here move to them.
orders-away-until-label = Away until
orders-covered-by = Covered by
orders-away-change = Change
orders-away-mark = Mark me away
orders-away-set = You are marked away; new results go to your cover.
orders-away-set-moved = You are marked away; { $count } waiting result(s) moved to your cover.
orders-away-cleared = Welcome back: new results come to you again.

## The Orders tab
orders-tab-heading = Orders
orders-order-kind = Order { $kind }
orders-set-item-count = { $count ->
    [one] { $count } item
   *[other] { $count } items
}
orders-filter-show = Show
orders-filter-open = Open orders (draft, active, on hold)
orders-filter-all = All orders
orders-filter-all-kinds = All kinds
orders-filter = Filter
orders-filter-clear = Clear
orders-none-open = No open orders.
orders-none = No orders.
orders-tab-caption = Orders, newest first
orders-col-requested = Requested ({ $zone })
orders-col-kind = Kind
orders-col-status = Status
orders-col-progress = Progress
orders-col-ordered-by = Ordered by
orders-awaiting-countersignature = Awaiting countersignature

## The order form
orders-new-heading = New order
orders-new-kind-heading = New order: { $kind }
orders-what = What to order
orders-priority = Priority
orders-encounter = Encounter
orders-optional = Optional.
orders-indication = Clinical indication
orders-entry-legend = How is the order given?
orders-prescriber = Prescriber (verbal or telephone order)
orders-prescriber-hint = Who gave the order; they countersign it.
orders-read-back = I read the order back to the prescriber, who confirmed it.
orders-place = Place the order
orders-orderable-none = No kind of order is available to you.
orders-placed-on-behalf = The order is placed; it waits for the prescriber's countersignature.
orders-draft-saved = The draft order is saved; sign it to make it active.
orders-placed-signed = The order is placed and signed.

## The order's page
orders-entry = Entry
orders-read-back-done = read back and confirmed
orders-signed = Signed
orders-countersigned = Countersigned
orders-not-yet = not yet
orders-started = Started
orders-completed = Completed
orders-sign = Sign the order
orders-resume = Resume
orders-hold-open = Put on hold…
orders-hold-reason = Why is the order on hold?
orders-hold = Put on hold
orders-revoke-open = Revoke…
orders-revoke-reason = Why is the order revoked?
orders-revoke = Revoke
orders-error-open = Entered in error…
orders-error-reason = Why is this order wrong?
orders-error = Mark entered in error
orders-results-heading = Results
orders-results-none = No result released.
orders-col-inbox-of = Inbox of
orders-waiting = Waiting
orders-all = All orders
orders-countersigned-done = The order is countersigned.
orders-done-sign = The order is signed.
orders-done-hold = The order is on hold.
orders-done-resume = The order is active again.
orders-done-revoke = The order is revoked.
orders-done-error = The order is marked entered in error.

## Order sets
orders-sets-heading = Order sets
orders-sets-intro = Named groups of orders a clinician opens on a patient, edits and signs at once (all placed in one transaction).
orders-sets-none = No order sets yet.
orders-sets-caption = Order sets by name
orders-set-name = Name
orders-set-items-heading = Items
orders-set-active = Active
orders-set-retired-badge = Retired
orders-sets-new-heading = New order set
orders-sets-name-hint = E.g. "Chest pain work-up".
orders-set-description = Description
orders-sets-create = Create
orders-set-created = The order set is created; add its items.
orders-set-title = Order set
orders-set-heading = Order set: { $name }
orders-set-items-none = No items yet: add the orders the set places.
orders-set-items-caption = The set's items, in order
orders-set-kind-gone = { $kind } (no longer offered)
orders-set-add-heading = Add an item
orders-col-code = Code
orders-set-code-hint = A code of the kind's catalogue; start typing for suggestions.
orders-set-default-priority = Default priority
orders-set-default-indication = Default indication
orders-set-add = Add
orders-set-details-heading = Name and status
orders-set-active-label = Active (offered to clinicians)
orders-sets-all = All order sets
orders-set-saved = The order set is saved.
orders-set-item-added = The item is added.
orders-set-item-removed = The item is removed.
orders-set-kind-missing = Choose a kind of order.
orders-set-code-missing = Give a code of the kind's catalogue.
orders-set-code-unknown = Not an orderable code of { $kind }.
orders-set-retired = This order set is retired.
orders-set-nothing-placed = Nothing was placed.
orders-set-review-hint = Review the items: leave out what the patient does not need, change a code, priority or indication, then sign. All the items are placed together, or none.
orders-set-place-caption = The set's items, to edit before signing
orders-col-place = Place
orders-col-indication = Indication
orders-set-place-item = Place { $order }
orders-set-code-of = Code of { $order }
orders-set-priority-of = Priority of { $order }
orders-set-indication-of = Indication of { $order }
orders-set-signature = Signature
orders-set-sign-now = Sign the orders now
orders-set-save-drafts = Save them as drafts
orders-set-place = Place the orders
orders-set-entry-invalid = Sign the orders now or save them as drafts.
orders-set-placed-signed = { $count } order(s) placed from the set and signed.
orders-set-placed-drafts = { $count } order(s) placed from the set as drafts.

## Coded values (keys built from the code: keep them in every language)
orders-status-draft = Draft
orders-status-active = Active
orders-status-on-hold = On hold
orders-status-revoked = Revoked
orders-status-completed = Completed
orders-status-entered-in-error = Entered in error
orders-priority-routine = Routine
orders-priority-urgent = Urgent
orders-priority-asap = As soon as possible
orders-priority-stat = Stat (immediately)
orders-mode-electronic = Electronic
orders-mode-verbal = Verbal order
orders-mode-telephone = Telephone order
orders-mode-short-verbal = Verbal
orders-mode-short-telephone = Telephone
orders-entry-signed = Sign now
orders-entry-draft = Save as a draft (sign later)
orders-entry-verbal = Verbal order (on a prescriber's behalf)
orders-entry-telephone = Telephone order (on a prescriber's behalf)
orders-kind-immunization = Immunization
orders-kind-lab-test = Laboratory test
orders-kind-medication = Medication
orders-kind-imaging = Imaging
