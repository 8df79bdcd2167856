-- The type-ahead as a function whose statement is always planned once per connection
-- (generic plan). As a prepared statement with parameters PostgreSQL kept choosing a custom plan
-- for it and re-planned it on every keystroke: 0.44 ms of planning for 0.04 ms of execution,
-- about a fifth of the database's CPU under the benchmark's mix (docs/PERFORMANCE.md). The
-- generic plan is the same ordered index range scan: the bounds come from `w`.
--
-- Returns the matching patients' ids in order: family-name prefix first, then given-name prefix.
-- The visibility test is the one in patients::access::visible_sql; keep them the same.
CREATE FUNCTION patient_suggest(word text, lim integer, see_restricted boolean, viewer uuid, viewer_session uuid)
RETURNS TABLE (patient_id uuid, rank integer)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    w text COLLATE "C" := lower(immutable_unaccent(word));
BEGIN
    RETURN QUERY
    (SELECT p.id, 0 FROM patients p
      WHERE p.family_fold >= w AND p.family_fold < w || chr(1114111)
        AND (NOT p.restricted OR see_restricted
             OR EXISTS (SELECT 1 FROM patient_care_team ct WHERE ct.patient_id = p.id AND ct.user_id = viewer)
             OR EXISTS (SELECT 1 FROM patient_break_glass bg WHERE bg.patient_id = p.id AND bg.user_id = viewer
                        AND bg.session_id IS NOT DISTINCT FROM viewer_session AND bg.expires_at > now()))
      ORDER BY p.family_fold, p.given_fold, p.id LIMIT lim)
    UNION ALL
    (SELECT p.id, 1 FROM patients p
      WHERE p.given_fold >= w AND p.given_fold < w || chr(1114111)
        AND NOT (p.family_fold >= w AND p.family_fold < w || chr(1114111))
        AND (NOT p.restricted OR see_restricted
             OR EXISTS (SELECT 1 FROM patient_care_team ct WHERE ct.patient_id = p.id AND ct.user_id = viewer)
             OR EXISTS (SELECT 1 FROM patient_break_glass bg WHERE bg.patient_id = p.id AND bg.user_id = viewer
                        AND bg.session_id IS NOT DISTINCT FROM viewer_session AND bg.expires_at > now()))
      ORDER BY p.given_fold, p.family_fold, p.id LIMIT lim);
END;
$$;
