-- From here on the permission catalogue is what the modules declare (registry `permissions`,
-- added with their default grants by `hearth migrate`/`serve`/`demo`); a drift test compares
-- the two. Two rows did not match a declaration:
--   fhir.read / fhir.write were seeded (0009) before any code checked them; the FHIR module
--   declares them again when it lands. API clients that held them as scopes keep the strings,
--   which grant nothing until then.
DELETE FROM role_permissions WHERE permission_code IN ('fhir.read', 'fhir.write');
DELETE FROM permissions WHERE code IN ('fhir.read', 'fhir.write');

-- Signing a note is the author's act (issue 10, finding 7), so nurses sign their own nursing
-- notes; before, a doctor could sign them for them.
INSERT INTO role_permissions (role_code, permission_code) VALUES ('nurse', 'notes.sign')
ON CONFLICT DO NOTHING;
UPDATE permissions SET description = 'Sign one''s own clinical notes (signed notes are locked)'
WHERE code = 'notes.sign';
