//! Chart entry (issue 13, items 3, 6, 10 and 12): duplicate warnings, the ICD-10-CM picker,
//! confirmations with reasons, forms that come back with their messages.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

async fn patient(app: &mut TestApp) -> String {
    app.register_patient(&[
        ("given_name", "Clara"),
        ("family_name", "Barton"),
        ("sex", "female"),
        ("birth_date", "1970-05-01"),
    ])
    .await
}

async fn scalar_i64(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn scalar_text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn a_duplicate_allergy_warns_and_offers_update_or_record_anyway_and_the_banner_shows_it_once() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/allergies");
    let r =
        app.post_form(&url, &[("substance_code", "penicillin"), ("severity", "moderate"), ("reaction", "Rash")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The same substance again: a warning with the existing entry, nothing saved.
    let second = [("substance_code", "penicillin"), ("severity", "life_threatening"), ("reaction", "Anaphylaxis")];
    let r = app.post_form(&url, &second).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("An active allergy to Penicillins is already recorded."), "{}", r.body);
    assert!(r.body.contains("severity <strong>moderate</strong>") && r.body.contains("reaction Rash"));
    assert!(r.body.contains("Update the existing one") && r.body.contains("Record anyway"));
    assert!(r.body.contains("id=\"duplicate-warning\" tabindex=\"-1\""), "takes focus");
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM allergies").await, 1);
    let existing = scalar_text(&app, "SELECT id::text FROM allergies").await;
    assert!(r.body.contains(&format!("{url}/{existing}/update")));

    // "Update the existing one": the severity and reaction change, audited from/to.
    let r = app
        .post_form(
            &format!("{url}/{existing}/update"),
            &[("kind", "allergy"), ("severity", "life_threatening"), ("reaction", "Anaphylaxis")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(scalar_text(&app, "SELECT severity FROM allergies").await, "life_threatening");
    let changes = scalar_text(
        &app,
        "SELECT changes::text FROM audit_events WHERE action = 'allergy.update' ORDER BY id DESC LIMIT 1",
    )
    .await;
    assert!(
        changes.contains("\"from\": \"moderate\"") && changes.contains("\"to\": \"life_threatening\""),
        "{changes}"
    );

    // "Record anyway" needs a reason.
    let anyway = [("substance_code", "penicillin"), ("severity", "mild"), ("record_anyway", "true")];
    let r = app.post_form(&url, &anyway).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give the reason for recording a second active entry"));
    assert!(r.body.contains("href=\"#duplicate_reason\"") && r.body.contains("id=\"duplicate_reason\""));
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM allergies").await, 1);
    let mut with_reason = anyway.to_vec();
    with_reason.push(("duplicate_reason", "Separate mild reaction to oral penicillin V"));
    let r = app.post_form(&url, &with_reason).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM allergies WHERE status = 'active'").await, 2);
    assert_eq!(
        scalar_text(&app, "SELECT duplicate_reason FROM allergies WHERE severity = 'mild'").await,
        "Separate mild reaction to oral penicillin V"
    );

    // The banner shows the substance once, with the worst severity; so does the overview.
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert_eq!(chart.body.matches("Life-threatening allergy: Penicillins").count(), 1, "{}", chart.body);
    assert!(!chart.body.contains("Penicillins · mild"), "the milder duplicate is not shown");

    // Free text: case and spaces do not make a new substance.
    let r = app.post_form(&url, &[("substance", "Strawberries"), ("category", "food"), ("severity", "mild")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.post_form(&url, &[("substance", "  strawberries "), ("category", "food"), ("severity", "mild")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // An inactive entry is no duplicate.
    let straw = scalar_text(&app, "SELECT id::text FROM allergies WHERE substance = 'Strawberries'").await;
    let r = app
        .post_form(
            &format!("{url}/{straw}/status"),
            &[("status", "inactive"), ("confirm", "yes"), ("reason", "Outgrown")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&url, &[("substance", "strawberries"), ("category", "food"), ("severity", "mild")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_api_answers_409_with_the_existing_id_unless_recorded_anyway() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/allergies");
    let peanut = json!({"substance_code": "peanut", "severity": "severe"});
    let r = app.api(Method::POST, &url, Some(&token), Some(peanut.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let first = r.json()["id"].clone();
    let r = app.api(Method::POST, &url, Some(&token), Some(peanut.clone())).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(r.json()["existing_id"], first);
    assert!(r.json()["detail"].as_str().unwrap().contains("Peanut"));
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"substance_code": "peanut", "severity": "mild", "record_anyway": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"substance_code": "peanut", "severity": "mild", "record_anyway": true, "duplicate_reason": "oral allergy syndrome"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let url = format!("/api/v1/patients/{pid}/problems");
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"icd_code": "J45.909"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let first = r.json()["id"].clone();
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"icd_code": "J45909"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["existing_id"], first);
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM problems").await, 1);
    // Once resolved (with its reason kept), the code may be recorded again.
    let r = app
        .api(
            Method::POST,
            &format!("{url}/{}/status", first.as_str().unwrap()),
            Some(&token),
            Some(json!({"status": "resolved", "reason": "Symptom-free for a year"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(scalar_text(&app, "SELECT status_reason FROM problems").await, "Symptom-free for a year");
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"icd_code": "J45.909"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn a_duplicate_problem_warns_and_updates_the_existing_one() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/problems");
    assert_eq!(app.post_form(&url, &[("icd_code", "I10")]).await.status, StatusCode::SEE_OTHER);
    let r =
        app.post_form(&url, &[("icd_code", "i10"), ("certainty", "provisional"), ("comment", "home readings")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("I10 Essential (primary) hypertension is already an active problem."), "{}", r.body);
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM problems").await, 1);
    let existing = scalar_text(&app, "SELECT id::text FROM problems").await;
    let r = app
        .post_form(&format!("{url}/{existing}/update"), &[("certainty", "provisional"), ("comment", "home readings")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        scalar_text(&app, "SELECT certainty || '/' || comment FROM problems").await,
        "provisional/home readings"
    );
    assert_eq!(app.audit_count("problem.update").await, 1);
    // A past, resolved episode of the same code is no duplicate.
    let r = app.post_form(&url, &[("icd_code", "I10"), ("status", "resolved"), ("onset_date", "2001-01-01")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM problems").await, 2);
    let r = app
        .post_form(&url, &[("icd_code", "I10"), ("record_anyway", "true"), ("duplicate_reason", "Second episode")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM problems").await, 3);
}

#[tokio::test]
async fn clinical_status_changes_need_a_confirmation_and_a_reason() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/problems");
    assert_eq!(app.post_form(&url, &[("icd_code", "E11.9")]).await.status, StatusCode::SEE_OTHER);
    let prob = scalar_text(&app, "SELECT id::text FROM problems").await;
    let page = app.get(&url).await;
    assert!(page.body.contains("<summary class=\"btn btn-ghost\">Resolve…</summary>"), "a confirmation step");
    assert!(page.body.contains("Reason (required)"));

    let go = format!("{url}/{prob}/status");
    let r = app.post_form(&go, &[("status", "resolved")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Confirm marking it resolved first."), "{}", r.body);
    assert!(r.body.contains("<details class=\"confirm\" open>"), "the step comes back open");
    let r = app.post_form(&go, &[("status", "entered_in_error"), ("confirm", "yes"), ("reason", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give the reason"));
    assert_eq!(scalar_text(&app, "SELECT status FROM problems").await, "active", "nothing changed");
    assert_eq!(app.audit_count("problem.status").await, 0);

    let r = app
        .post_form(&go, &[("status", "resolved"), ("confirm", "yes"), ("reason", "Diet controlled, HbA1c normal")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        scalar_text(&app, "SELECT status || ': ' || status_reason FROM problems").await,
        "resolved: Diet controlled, HbA1c normal"
    );
    let changes = scalar_text(&app, "SELECT changes::text FROM audit_events WHERE action = 'problem.status'").await;
    assert!(changes.contains("Diet controlled, HbA1c normal"), "{changes}");
    assert!(app.get(&url).await.body.contains("Reason: Diet controlled, HbA1c normal"));
    // Re-activating is not clinical: one step.
    assert_eq!(app.post_form(&go, &[("status", "active")]).await.status, StatusCode::SEE_OTHER);

    // Allergies: entered in error.
    let aurl = format!("/patients/{pid}/allergies");
    app.post_form(&aurl, &[("substance_code", "latex"), ("severity", "mild")]).await;
    let a = scalar_text(&app, "SELECT id::text FROM allergies").await;
    let r = app.post_form(&format!("{aurl}/{a}/status"), &[("status", "entered_in_error")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(scalar_text(&app, "SELECT status FROM allergies").await, "active");
    let r = app
        .post_form(
            &format!("{aurl}/{a}/status"),
            &[("status", "entered_in_error"), ("confirm", "yes"), ("reason", "Wrong patient")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        scalar_text(&app, "SELECT status || ': ' || status_reason FROM allergies").await,
        "entered_in_error: Wrong patient"
    );

    // Home medications: entered in error takes the step too; stopping stays one click.
    let murl = format!("/patients/{pid}/medications");
    let r = app.post_form(&murl, &[("name", "Metformin"), ("route", "oral")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = scalar_text(&app, "SELECT id::text FROM home_medications").await;
    let r = app.post_form(&format!("{murl}/{m}/status"), &[("status", "entered_in_error"), ("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give the reason"));
    assert_eq!(scalar_text(&app, "SELECT status FROM home_medications").await, "active");
    let r = app
        .post_form(
            &format!("{murl}/{m}/status"),
            &[("status", "entered_in_error"), ("confirm", "yes"), ("reason", "Never prescribed")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(scalar_text(&app, "SELECT status_reason FROM home_medications").await, "Never prescribed");
}

#[tokio::test]
async fn signing_a_note_takes_a_confirmation() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/notes");
    let note = [("template", "free"), ("title", "Visit"), ("body", "Seen today."), ("action", "sign")];
    let r = app.post_form(&url, &note).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("I have reviewed this note"), "{}", r.body);
    assert!(r.body.contains("Seen today."), "the text comes back");
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM notes").await, 0, "nothing saved");
    let mut confirmed = note.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = app.post_form(&url, &confirmed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(scalar_text(&app, "SELECT status FROM notes").await, "signed");

    // A draft signed from its page.
    let r = app
        .post_form(&url, &[("template", "free"), ("title", "Draft"), ("body", "To sign."), ("action", "draft")])
        .await;
    let draft = r.location().to_string();
    let r = app.post_form(&format!("{draft}/sign"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nothing was signed") && r.body.contains("<details class=\"confirm\" open>"));
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM notes WHERE status = 'draft'").await, 1);
    assert_eq!(app.post_form(&format!("{draft}/sign"), &[("confirm", "yes")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM notes WHERE status = 'draft'").await, 0);
}

#[tokio::test]
async fn an_empty_draft_or_addendum_comes_back_as_the_form_with_its_message() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/notes");
    let r =
        app.post_form(&url, &[("template", "free"), ("title", "Visit"), ("body", "First."), ("action", "draft")]).await;
    let note = r.location().to_string();
    let r = app.post_form(&note, &[("title", "Visit (kept)"), ("body", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Write the note"), "{}", r.body);
    assert!(r.body.contains("value=\"Visit (kept)\""), "what was typed stays");
    assert!(r.body.contains("error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" tabindex=\"-1\""));
    assert!(r.body.contains("<a href=\"#body\">"), "the summary links to the field");
    assert!(r.body.contains("Barton, Clara"), "the note page, not an error page");

    app.post_form(&format!("{note}/sign"), &[("confirm", "yes")]).await;
    let r = app.post_form(&format!("{note}/addenda"), &[("body", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Write the addendum.") && r.body.contains("<a href=\"#addendum\">"), "{}", r.body);
    assert!(r.body.contains("id=\"addendum\" name=\"body\" rows=\"5\" aria-invalid=\"true\""));
    assert_eq!(scalar_i64(&app, "SELECT count(*) FROM note_addenda").await, 0);
}

#[tokio::test]
async fn the_vitals_scroll_region_is_keyboard_reachable() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/vitals");
    assert_eq!(app.post_form(&url, &[("pulse", "80")]).await.status, StatusCode::SEE_OTHER);
    let page = app.get(&url).await;
    assert!(page.body.contains("class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label="), "{}", page.body);
}

#[tokio::test]
async fn deactivating_a_user_takes_a_confirmation() {
    let (mut admin, _) = TestApp::signed_in("super_admin").await;
    let nurse = admin.user("nurse").await;
    let id = scalar_text(&admin, &format!("SELECT id::text FROM users WHERE email = '{nurse}'")).await;
    let page = admin.get(&format!("/admin/users/{id}")).await;
    assert!(page.body.contains("<summary class=\"btn btn-danger\">Deactivate…</summary>"));
    let r = admin.post_form(&format!("/admin/users/{id}/active"), &[("active", "false")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nothing was changed") && r.body.contains("<details class=\"confirm\" open>"));
    assert!(sqlx::query_scalar::<_, bool>("SELECT active FROM users WHERE id::text = $1")
        .bind(&id)
        .fetch_one(&admin.pool)
        .await
        .unwrap());
    let r = admin
        .post_form(
            &format!("/admin/users/{id}/active"),
            &[("active", "false"), ("confirm", "yes"), ("reason", "Left the trust")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let changes = scalar_text(&admin, "SELECT changes::text FROM audit_events WHERE action = 'user.deactivate'").await;
    assert!(changes.contains("Left the trust"));
}

#[tokio::test]
async fn the_icd10_picker_ranks_clinically_with_synonyms_and_the_clinicians_codes() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let options = |body: &str| -> Vec<String> {
        body.split("data-value=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
    };
    let r = app.get("/icd10/picker?icd_code=asthma").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("role=\"option\"") && !r.body.contains("<html"));
    let codes = options(&r.body);
    let j = codes.iter().position(|c| c == "J45.909").expect("J45.909 offered");
    assert!(j < 3, "{codes:?}");
    assert!(
        codes.iter().all(|c| !c.starts_with("Z8")),
        "no family or personal history codes on the first page: {codes:?}"
    );
    for (q, first) in [("heart%20attack", "I21.9"), ("high%20blood%20pressure", "I10"), ("sugar", "E11.9")] {
        let codes = options(&app.get(&format!("/icd10/picker?icd_code={q}")).await.body);
        assert_eq!(codes.first().map(String::as_str), Some(first), "{q}: {codes:?}");
    }
    let codes = options(&app.get("/icd10/picker?icd_code=type%202%20diabetes").await.body);
    assert!(codes.contains(&"E11.9".to_string()), "{codes:?}");
    let r = app.get("/icd10/picker?icd_code=qwertyuiop").await;
    assert!(r.body.contains("No billable code matches"));

    // The form: a combobox, no cut-off; words without a choice get suggestions.
    let url = format!("/patients/{pid}/problems");
    let page = app.get(&url).await;
    assert!(page.body.contains("role=\"combobox\"") && page.body.contains("aria-controls=\"icd-listbox\""));
    assert!(page.body.contains("role=\"listbox\"") && !page.body.contains("maxlength=\"12\""));
    assert!(!page.body.contains("<datalist"));
    let r = app.post_form(&url, &[("icd_code", "type 2 diabetes")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose one from the suggestions") && r.body.contains("E11.9"), "{}", r.body);
    let r = app.post_form(&url, &[("icd_code", "E11.9 Type 2 diabetes mellitus without complications")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The clinician's own codes come first, and are offered on an empty query.
    let other = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Lovelace"),
            ("sex", "female"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    assert_eq!(app.post_form(&url, &[("icd_code", "J45.41")]).await.status, StatusCode::SEE_OTHER);
    let r = app.post_form(&format!("/patients/{other}/problems"), &[("icd_code", "J45.41")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.get("/icd10/picker?icd_code=asthma").await;
    assert_eq!(options(&r.body)[0], "J45.41", "{}", r.body);
    assert!(r.body.contains("used 2×"));
    let recent = options(&app.get("/icd10/picker?icd_code=").await.body);
    assert_eq!(recent, ["J45.41", "E11.9"]);

    // Certainty and primary/secondary diagnosis of an encounter.
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/encounters"),
            Some(&token),
            Some(json!({"kind": "outpatient", "status": "in_progress", "reason": "Review"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let eid = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .post_form(
            &url,
            &[("icd_code", "I10"), ("certainty", "provisional"), ("encounter_id", &eid), ("diagnosis_rank", "primary")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        scalar_text(&app, "SELECT certainty || '/' || diagnosis_rank FROM problems WHERE icd_code = 'I10'").await,
        "provisional/primary"
    );
    let page = app.get(&url).await;
    assert!(page.body.contains("provisional</span>") && page.body.contains("primary diagnosis of an encounter"));
    let r = app.post_form(&url, &[("icd_code", "E78.5"), ("encounter_id", &eid), ("diagnosis_rank", "primary")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("already has a primary diagnosis"), "{}", r.body);
    let r = app.post_form(&url, &[("icd_code", "E78.5"), ("encounter_id", &eid)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "secondary by default: {}", r.body);
    let enc = app.get(&format!("/patients/{pid}/encounters")).await;
    let i10 = enc.body.find("I10</span> Essential (primary) hypertension").expect("primary diagnosis on the encounter");
    let e78 = enc.body.find("E78.5</span>").expect("secondary diagnosis on the encounter");
    assert!(i10 < e78, "primary first");
    assert!(enc.body.contains("primary, provisional") && enc.body.contains(">secondary<"));
    assert_eq!(scalar_text(&app, "SELECT diagnosis_rank FROM problems WHERE icd_code = 'E78.5'").await, "secondary");
    let r = app.post_form(&url, &[("icd_code", "R51.9"), ("diagnosis_rank", "primary")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("belongs to an encounter"));
    let r =
        app.post_form(&url, &[("icd_code", "R51.9"), ("encounter_id", "00000000-0000-0000-0000-000000000000")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose one of this patient"));
}
