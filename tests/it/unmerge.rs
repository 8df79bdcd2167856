//! Undoing a merge through HTTP: both records come back as they were before the merge (the
//! survivor keeping what was created on it since, unless chosen), the notes every module lists
//! before confirming, the blockers (window, a later merge), the permission, the reason, one undo
//! under a race, and the merge log's own guard.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;
use hearth::registry::OnMerge;
use hearth::REGISTRY;

/// Everything about one patient that a merge touches: the record's own fields, the keys of its
/// rows in every table that follows a merge, and the custom tables (care team, no known
/// allergies, photo, charges).
async fn snapshot(app: &TestApp, patient: &str) -> BTreeMap<String, Value> {
    let id: Uuid = patient.parse().unwrap();
    let mut out = BTreeMap::new();
    let own: Value = sqlx::query_scalar(
        "SELECT jsonb_build_object('mrn', mrn, 'names', given_name || ' ' || family_name, 'birth', birth_date,
            'phone', encode(phone_enc, 'hex'), 'phone_bidx', encode(phone_bidx, 'hex'),
            'national_id', encode(national_id_enc, 'hex'), 'email', encode(email_enc, 'hex'),
            'insurance', encode(insurance_enc, 'hex'), 'address', encode(address_enc, 'hex'),
            'restricted', restricted, 'merged_into', merged_into, 'merged_at', merged_at, 'active', active)
         FROM patients WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    out.insert("patient".into(), own);
    for (_, t) in REGISTRY.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        let keys: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT {k}::text FROM {} WHERE {c} = $1 ORDER BY 1",
            t.table,
            k = t.key,
            c = t.column
        ))
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        out.insert(t.table.into(), json!(keys));
    }
    for (name, sql) in [
        ("care_team", "SELECT coalesce(jsonb_agg(jsonb_build_object('user', user_id, 'role', role, 'at', added_at) ORDER BY user_id), '[]') FROM patient_care_team WHERE patient_id = $1"),
        ("nka", "SELECT coalesce(jsonb_agg(recorded_at), '[]') FROM allergy_nka WHERE patient_id = $1"),
        ("photo", "SELECT coalesce(jsonb_agg(encode(sha256, 'hex')), '[]') FROM patient_photos WHERE patient_id = $1"),
        ("charges", "SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM charges WHERE patient_id = $1"),
    ] {
        let v: Value = sqlx::query_scalar(sql).bind(id).fetch_one(&app.pool).await.unwrap();
        out.insert(name.into(), v);
    }
    out
}

/// `after` with the rows listed in `added` (table → keys) taken out.
fn without(mut after: BTreeMap<String, Value>, added: &[(&str, &str)]) -> BTreeMap<String, Value> {
    for (table, key) in added {
        if let Some(Value::Array(keys)) = after.get_mut(*table) {
            keys.retain(|k| k.as_str() != Some(key));
        }
    }
    after
}

async fn register(app: &mut TestApp, given: &str, extra: &[(&str, &str)]) -> String {
    let mut fields =
        vec![("given_name", given), ("family_name", "Twin"), ("sex", "female"), ("birth_date", "1975-05-05")];
    fields.extend_from_slice(extra);
    app.register_patient(&fields).await
}

async fn mrn(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid").bind(id).fetch_one(&app.pool).await.unwrap()
}

async fn merge_via_page(app: &mut TestApp, survivor: &str, merged: &str) -> String {
    let other = mrn(app, merged).await;
    let r = app
        .post_form(&format!("/patients/{survivor}/merge"), &[("other", &other), ("keep", "this"), ("confirm", "on")])
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    sqlx::query_scalar("SELECT id::text FROM patient_merges WHERE merged_id = $1::uuid AND unmerged_at IS NULL")
        .bind(merged)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn signed_note(app: &mut TestApp, token: &str, pid: &str, title: &str) -> String {
    let note = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/notes"),
            Some(token),
            Some(json!({"template": "progress", "title": title, "body": "Seen today."})),
        )
        .await;
    assert!(note.status.is_success(), "{}", note.body);
    let id = note.json()["id"].as_str().unwrap().to_string();
    let r = app.api(Method::POST, &format!("/api/v1/patients/{pid}/notes/{id}/sign"), Some(token), None).await;
    assert!(r.status.is_success(), "{}", r.body);
    id
}

#[tokio::test]
async fn an_unmerge_restores_both_records_as_they_were_before_the_merge() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let doctor = app.user("doctor").await;
    let dtoken = app.api_token(&doctor).await;
    let ntoken = app.api_token(&app.user("nurse").await).await;
    // The survivor: an active allergy, a dose, a care-team member; no phone.
    let survivor = register(&mut app, "Ann", &[]).await;
    let r = app
        .post_form(
            &format!("/patients/{survivor}/allergies"),
            &[("substance", "Latex"), ("category", "environment"), ("severity", "mild"), ("reaction", "rash")],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{survivor}/immunizations"),
            Some(&ntoken),
            Some(json!({"cvx": "113", "occurred_on": "2026-01-10"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The duplicate: a phone and an emergency contact, a problem, vital signs, a signed note,
    // "no known allergies", a charged dose and a care-team member of its own.
    let merged = register(
        &mut app,
        "Anne",
        &[("phone", "+44 7700 900123"), ("emergency_name", "Bo Twin"), ("emergency_phone", "+44 7700 900124")],
    )
    .await;
    let r = app.post_form(&format!("/patients/{merged}/problems"), &[("icd_code", "I10"), ("status", "active")]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let r = app.post_form(&format!("/patients/{merged}/vitals"), &[("pulse", "72")]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    signed_note(&mut app, &dtoken, &merged, "First visit").await;
    let r = app.post_form(&format!("/patients/{merged}/allergies/nka"), &[]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{merged}/immunizations"),
            Some(&ntoken),
            Some(json!({"cvx": "140", "occurred_on": "2026-10-10"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (pid, email) in [(&survivor, &doctor), (&merged, &app.user("nurse").await)] {
        let r = app
            .post_form(&format!("/patients/{pid}/care-team"), &[("email", email.as_str()), ("role", "attending")])
            .await;
        assert!(r.status.is_redirection(), "{}", r.body);
    }
    let s0 = snapshot(&app, &survivor).await;
    let m0 = snapshot(&app, &merged).await;

    let merge = merge_via_page(&mut app, &survivor, &merged).await;
    let s_merged = snapshot(&app, &survivor).await;
    assert_ne!(s_merged["patient"]["phone"], Value::Null, "the survivor took the phone");
    assert_eq!(s_merged["nka"], json!([]), "the survivor's active allergy outranks the merged NKA");
    assert_eq!(s_merged["care_team"].as_array().unwrap().len(), 2);

    // After the merge, on the survivor: new vital signs and a note signed (the chart's note).
    let r = app.post_form(&format!("/patients/{survivor}/vitals"), &[("pulse", "80")]).await;
    assert!(r.status.is_redirection(), "{}", r.body);
    let new_note = signed_note(&mut app, &dtoken, &survivor, "After the merge").await;
    let new_vitals: String =
        sqlx::query_scalar("SELECT id::text FROM vitals WHERE patient_id = $1::uuid AND pulse = 80")
            .bind(&survivor)
            .fetch_one(&app.pool)
            .await
            .unwrap();

    // The history page offers the undo; the confirmation lists what it meets.
    let history = app.get(&format!("/patients/{survivor}/merges")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains(&format!("/patients/{survivor}/merges/{merge}/undo")), "{}", history.body);
    let confirm = app.get(&format!("/patients/{survivor}/merges/{merge}/undo")).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    assert!(
        confirm.body.contains("1 note(s) signed on the surviving record since the merge stay with it"),
        "{}",
        confirm.body
    );
    assert!(confirm.body.contains("the acts they bill: 1"), "{}", confirm.body);
    assert!(
        confirm.body.contains("After the merge") && confirm.body.contains("name=\"also\""),
        "rows created since are offered"
    );
    // A reason is required.
    let r = app.post_form(&format!("/patients/{survivor}/merges/{merge}/undo"), &[("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Say why the merge was a mistake"));
    assert_eq!(snapshot(&app, &survivor).await["patient"], s_merged["patient"], "nothing changed");

    let r = app
        .post_form(&format!("/patients/{survivor}/merges/{merge}/undo"), &[("reason", "Two different people (twins)")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/patients/{survivor}/merges"));

    // Both records as before the merge; the survivor keeps what was created on it since.
    assert_eq!(snapshot(&app, &merged).await, m0, "the merged record is restored");
    let s1 = snapshot(&app, &survivor).await;
    assert_eq!(without(s1, &[("vitals", &new_vitals), ("notes", &new_note)]), s0, "the survivor is restored");
    let (mvitals, snotes): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM vitals WHERE patient_id = $1::uuid), (SELECT count(*) FROM notes WHERE patient_id = $2::uuid)",
    )
    .bind(&merged)
    .bind(&survivor)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((mvitals, snotes), (1, 1));
    // Audited on both records; the log says who, when and why; the page shows it undone.
    assert_eq!(app.audit_count("patient.unmerge").await, 1);
    assert_eq!(app.audit_count("patient.unmerged").await, 1);
    let (reason, result): (String, Value) =
        sqlx::query_as("SELECT unmerge_reason, unmerge_result FROM patient_merges").fetch_one(&app.pool).await.unwrap();
    assert_eq!(reason, "Two different people (twins)");
    assert_eq!(result["rows"]["vitals"], 1, "{result}");
    let history = app.get(&format!("/patients/{survivor}/merges")).await;
    assert!(history.body.contains("Undone") && history.body.contains("Two different people"), "{}", history.body);
    // Undoing again is refused; the restored record can be merged again (correctly, later).
    let r = app.post_form(&format!("/patients/{survivor}/merges/{merge}/undo"), &[("reason", "again")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = app.get(&format!("/patients/{merged}")).await;
    assert!(!page.body.contains("This record was merged into"), "open again");
}

#[tokio::test]
async fn rows_created_since_the_merge_can_be_moved_too_through_the_api() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let token = app.api_token(&email).await;
    let survivor = register(&mut app, "Cat", &[]).await;
    let merged = register(&mut app, "Kat", &[]).await;
    let r = app
        .api(Method::POST, &format!("/api/v1/patients/{survivor}/merge"), Some(&token), Some(json!({"merged": merged})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let merge = r.json()["merge"].as_str().unwrap().to_string();
    // Two doses recorded on the survivor after the merge; one really was the other patient's.
    let mut doses = Vec::new();
    for cvx in ["140", "33"] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/patients/{survivor}/immunizations"),
                Some(&token),
                Some(json!({"cvx": cvx})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        doses.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let preview =
        app.api(Method::GET, &format!("/api/v1/patients/{survivor}/merges/{merge}"), Some(&token), None).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let p = preview.json();
    assert_eq!(p["can_undo"], true);
    let since: Vec<&str> = p["created_since"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert!(doses.iter().all(|d| since.contains(&d.as_str())), "{p}");
    assert!(p["created_since"].to_string().contains("Immunization · Influenza"), "labelled from the timeline: {p}");
    // Only rows created since may be chosen.
    let url = format!("/api/v1/patients/{survivor}/merges/{merge}/undo");
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"reason": "Wrong twin", "also": {"immunizations": [Uuid::new_v4()]}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"reason": ""}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"reason": "Wrong twin", "also": {"immunizations": [doses[1]]}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["moved_back"]["also"]["immunizations"], 1);
    let owners: Vec<(String, String)> =
        sqlx::query_as("SELECT id::text, patient_id::text FROM immunizations ORDER BY cvx DESC")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    // By CVX as text, descending: "33", then "140".
    assert_eq!(owners, vec![(doses[1].clone(), merged.clone()), (doses[0].clone(), survivor.clone())]);
    // The chosen dose's charge went with it.
    let charge_owner: String = sqlx::query_scalar("SELECT patient_id::text FROM charges WHERE source_row = $1::uuid")
        .bind(&doses[1])
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(charge_owner, merged);
    let list = app.api(Method::GET, &format!("/api/v1/patients/{merged}/merges"), Some(&token), None).await.json();
    assert_eq!(list["items"][0]["unmerge_reason"], "Wrong twin", "{list}");
    assert_eq!(list["next"], Value::Null);
}

#[tokio::test]
async fn an_unmerge_needs_its_permission_and_happens_once_under_a_race() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let token = app.api_token(&email).await;
    let survivor = register(&mut app, "Dee", &[]).await;
    let merged = register(&mut app, "Di", &[("phone", "+44 7700 900777")]).await;
    let merge = merge_via_page(&mut app, &survivor, &merged).await;
    let url = format!("/api/v1/patients/{survivor}/merges/{merge}/undo");
    // A doctor may merge but not unmerge; a receptionist neither.
    for role in ["doctor", "receptionist", "nurse", "billing_clerk"] {
        let t = app.api_token(&app.user(role).await).await;
        let r = app.api(Method::POST, &url, Some(&t), Some(json!({"reason": "x"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let mut c = app.another_client();
        c.login(&app.user(role).await, PASSWORD).await;
        assert_eq!(
            c.get(&format!("/patients/{survivor}/merges/{merge}/undo")).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    // Undoing from the merged record's side, or an unknown merge, is 404.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{merged}/merges/{merge}/undo"),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{survivor}/merges/{}/undo", Uuid::new_v4()),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Six at once: one undoes it, five are told it is done.
    let admin = app.api_token(&app.user("hospital_admin").await).await;
    let calls = (0..6).map(|i| {
        let mut c = app.another_client();
        let (url, t) = (url.clone(), if i % 2 == 0 { token.clone() } else { admin.clone() });
        async move { c.api(Method::POST, &url, Some(&t), Some(json!({"reason": format!("Mistake {i}")}))).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!(
        (ok, conflicts.len()),
        (1, 5),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("already been undone"), "{}", conflicts[0].body);
    assert_eq!(app.audit_count("patient.unmerge").await, 1);
    let (into, active): (Option<Uuid>, bool) =
        sqlx::query_as("SELECT merged_into, active FROM patients WHERE id = $1::uuid")
            .bind(&merged)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((into, active), (None, true));
}

#[tokio::test]
async fn blockers_refuse_an_unmerge_and_say_why() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let token = app.api_token(&email).await;
    let a = register(&mut app, "Eve", &[]).await;
    let b = register(&mut app, "Eva", &[]).await;
    let c = register(&mut app, "Evie", &[]).await;
    let first = merge_via_page(&mut app, &b, &a).await;
    // b (the survivor) is itself merged into c afterwards: undo that first.
    let second = merge_via_page(&mut app, &c, &b).await;
    let p = app.api(Method::GET, &format!("/api/v1/patients/{b}/merges/{first}"), Some(&token), None).await.json();
    assert_eq!(p["can_undo"], false, "{p}");
    assert!(p["notes"].to_string().contains("undo that merge first"), "{p}");
    let page = app.get(&format!("/patients/{b}/merges/{first}/undo")).await;
    assert!(page.body.contains("Blocks") && !page.body.contains("Undo the merge</button>"), "{}", page.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{b}/merges/{first}/undo"),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("undo that merge first"));
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{c}/merges/{second}/undo"),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{b}/merges/{first}/undo"),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Past the window (the merge made 31 days ago: the log's guard is lifted for the set-up only).
    let d = register(&mut app, "Ivy", &[]).await;
    let old = merge_via_page(&mut app, &a, &d).await;
    let mut conn = app.pool.acquire().await.unwrap();
    for sql in [
        "ALTER TABLE patient_merges DISABLE TRIGGER patient_merges_guard",
        "UPDATE patient_merges SET merged_at = now() - interval '31 days' WHERE unmerged_at IS NULL",
        "ALTER TABLE patient_merges ENABLE TRIGGER patient_merges_guard",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{a}/merges/{old}/undo"),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("more than 30 days old"));
    let history = app.get(&format!("/patients/{a}/merges")).await;
    assert!(history.body.contains("Past the unmerge window"), "{}", history.body);
}

#[tokio::test]
async fn sent_messages_are_listed_before_confirming() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let token = app.api_token(&email).await;
    let s = register(&mut app, "Flo", &[]).await;
    let m = register(&mut app, "Flow", &[]).await;
    let merge = merge_via_page(&mut app, &s, &m).await;
    // A message to the survivor went out after the merge (recorded as sent by the channel).
    sqlx::query(
        "INSERT INTO messages (id, channel, kind, recipient, patient_id, body, status, sent_at)
         VALUES ($1, 'sms', 'appointment.reminder', '+447700900000', $2::uuid, 'Reminder', 'sent', now())",
    )
    .bind(Uuid::new_v4())
    .bind(&s)
    .execute(&app.pool)
    .await
    .unwrap();
    let p = app.api(Method::GET, &format!("/api/v1/patients/{s}/merges/{merge}"), Some(&token), None).await.json();
    assert!(p["notes"].to_string().contains("1 message(s)"), "{p}");
    assert_eq!(p["can_undo"], true, "a complication, not a blocker");
}

#[tokio::test]
async fn the_merge_log_is_kept_as_written() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let s = register(&mut app, "Gus", &[]).await;
    let m = register(&mut app, "Guss", &[]).await;
    merge_via_page(&mut app, &s, &m).await;
    for sql in [
        "UPDATE patient_merges SET moved = '{}'",
        "UPDATE patient_merges SET merged_at = now()",
        "DELETE FROM patient_merges",
        "TRUNCATE patient_merges",
    ] {
        let e = sqlx::query(sql).execute(&app.pool).await.unwrap_err();
        assert!(e.to_string().contains("merge log"), "{sql}: {e}");
    }
    // Every table that follows a merge was recorded, with the keys it moved.
    let moved: Value = sqlx::query_scalar("SELECT moved FROM patient_merges").fetch_one(&app.pool).await.unwrap();
    for (_, t) in REGISTRY.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        assert!(moved.get(t.table).is_some(), "{} missing from {moved}", t.table);
    }
}
