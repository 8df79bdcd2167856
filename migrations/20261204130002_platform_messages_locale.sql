-- Issue 15: the language a message's text was written in (a BCP 47 tag), so its e-mail frame
-- (footer, lang, dir) is rendered in the same language at delivery. Patient messages only:
-- chosen among reviewed catalogues (the patient's language, else the facility's, else English);
-- NULL for messages to users (English).
ALTER TABLE messages
    ADD COLUMN locale text CONSTRAINT messages_locale_bcp47 CHECK (locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$');
