-- Localisation (issue 15): the language of a user (their choice on the account page) and of a
-- facility (the default of its users), as BCP 47 tags. NULL user locale: the facility's.
ALTER TABLE users ADD COLUMN locale text
    CONSTRAINT users_locale_bcp47 CHECK (locale ~ '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' AND length(locale) <= 35);
ALTER TABLE facilities ADD COLUMN locale text NOT NULL DEFAULT 'en'
    CONSTRAINT facilities_locale_bcp47 CHECK (locale ~ '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' AND length(locale) <= 35);
