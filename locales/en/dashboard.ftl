# The start page (dashboard.html): tiles and the titles of the modules' panels.
# reviewed: true

dashboard-welcome = Welcome, { $name }
dashboard-roles = { $count ->
    [one] Signed in with role: { $roles }
   *[other] Signed in with roles: { $roles }
}
dashboard-active-patients = { $count ->
    [one] active patient
   *[other] active patients
}
dashboard-register = Register a patient
dashboard-no-modules = Your role has no modules yet. Ask an administrator for access.
dashboard-search-hint-before = Press
dashboard-search-hint-after = to search from anywhere.

## Panel titles: `dashboard-panel-<the panel's key>` (keep them in every language)

dashboard-panel-my-alerts = Alerts
dashboard-panel-my-patients = My patients
dashboard-panel-encounters-today = Today's encounters
dashboard-panel-unsigned-notes = Unsigned notes
dashboard-panel-observations-due = Observations due
dashboard-panel-countersign = Orders to countersign
dashboard-panel-results = Results to sign off
dashboard-panel-arrivals = Today's arrivals
dashboard-panel-recent-patients = Recent patients
