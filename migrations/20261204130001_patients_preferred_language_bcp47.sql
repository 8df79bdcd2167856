-- Issue 15: patients' preferred language, free text until now ('English', 'Español', 'Polish'),
-- becomes a validated BCP 47 language tag ('en', 'es', 'pl', 'es-MX'): the patient's SMS, e-mail
-- and printed instructions are rendered in it. Common names map to their tag; a value that maps
-- to none is set to NULL and its text kept in `preferred_language_legacy`, shown on the patient
-- page so a clerk can choose the right language.

ALTER TABLE patients
    ADD COLUMN preferred_language_legacy text
        CONSTRAINT patients_preferred_language_legacy_length CHECK (length(preferred_language_legacy) BETWEEN 1 AND 50);

COMMENT ON COLUMN patients.preferred_language IS 'BCP 47 language tag (issue 15), NULL when not recorded';
COMMENT ON COLUMN patients.preferred_language_legacy IS
    'The free-text preferred language recorded before issue 15 that maps to no language tag';

CREATE TEMPORARY TABLE i18n_language_names (name text PRIMARY KEY, tag text NOT NULL);
INSERT INTO i18n_language_names (name, tag) VALUES
    ('english', 'en'), ('inglés', 'en'), ('ingles', 'en'), ('eng', 'en'),
    ('spanish', 'es'), ('español', 'es'), ('espanol', 'es'), ('castellano', 'es'), ('castilian', 'es'), ('spa', 'es'),
    ('arabic', 'ar'), ('العربية', 'ar'), ('عربي', 'ar'), ('árabe', 'ar'), ('arabe', 'ar'), ('ara', 'ar'),
    ('french', 'fr'), ('français', 'fr'), ('francais', 'fr'),
    ('german', 'de'), ('deutsch', 'de'),
    ('portuguese', 'pt'), ('português', 'pt'), ('portugues', 'pt'),
    ('chinese', 'zh'), ('mandarin', 'zh'), ('mandarin chinese', 'zh'), ('中文', 'zh'), ('cantonese', 'yue'),
    ('hindi', 'hi'), ('हिन्दी', 'hi'), ('bengali', 'bn'), ('bangla', 'bn'), ('urdu', 'ur'), ('اردو', 'ur'),
    ('punjabi', 'pa'), ('panjabi', 'pa'), ('gujarati', 'gu'), ('tamil', 'ta'), ('telugu', 'te'),
    ('persian', 'fa'), ('farsi', 'fa'), ('dari', 'prs'), ('pashto', 'ps'), ('kurdish', 'ku'),
    ('turkish', 'tr'), ('türkçe', 'tr'), ('russian', 'ru'), ('русский', 'ru'), ('ukrainian', 'uk'),
    ('polish', 'pl'), ('polski', 'pl'), ('romanian', 'ro'), ('italian', 'it'), ('italiano', 'it'),
    ('dutch', 'nl'), ('greek', 'el'), ('hebrew', 'he'), ('japanese', 'ja'), ('korean', 'ko'),
    ('vietnamese', 'vi'), ('tagalog', 'tl'), ('filipino', 'fil'), ('thai', 'th'), ('malay', 'ms'),
    ('indonesian', 'id'), ('somali', 'so'), ('swahili', 'sw'), ('kiswahili', 'sw'), ('amharic', 'am'),
    ('tigrinya', 'ti'), ('yoruba', 'yo'), ('igbo', 'ig'), ('hausa', 'ha'), ('welsh', 'cy'), ('cymraeg', 'cy'),
    ('irish', 'ga'), ('scottish gaelic', 'gd'), ('sign language', 'sgn'), ('british sign language', 'bfi'),
    ('bsl', 'bfi'), ('american sign language', 'ase'), ('asl', 'ase');

-- A known name (any case, spaces trimmed) becomes its tag.
UPDATE patients p SET preferred_language = n.tag
FROM i18n_language_names n
WHERE p.preferred_language IS NOT NULL AND lower(btrim(p.preferred_language)) = n.name;

-- What already looks like a tag ('en', 'ES', 'es_MX') is kept in canonical case.
UPDATE patients SET preferred_language =
    lower(split_part(replace(btrim(preferred_language), '_', '-'), '-', 1))
    || CASE WHEN position('-' IN replace(btrim(preferred_language), '_', '-')) > 0
            THEN '-' || upper(substr(replace(btrim(preferred_language), '_', '-'),
                                     position('-' IN replace(btrim(preferred_language), '_', '-')) + 1))
            ELSE '' END
WHERE preferred_language ~* '^\s*[a-z]{2,3}([-_][a-z]{2}|[-_][0-9]{3})?\s*$';

-- Anything else cannot be mapped: kept as text, the tag left unrecorded.
UPDATE patients SET preferred_language_legacy = left(btrim(preferred_language), 50), preferred_language = NULL
WHERE preferred_language IS NOT NULL
  AND preferred_language !~ '^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}|[A-Za-z0-9]{4,8}))*$';

DROP TABLE i18n_language_names;

ALTER TABLE patients ADD CONSTRAINT patients_preferred_language_bcp47
    CHECK (preferred_language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$');
