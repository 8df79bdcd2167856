# Insurance: payers, plans, coverage, pre-authorisation, split, claims.
# reviewed: true
