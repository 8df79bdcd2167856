//! The record holds real data (issue 14, chart part): problems coded in any system or as free
//! text with ICD-10-CM optional, historical end/resolution/stop dates.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

async fn patient(app: &mut TestApp) -> String {
    app.register_patient(&[
        ("given_name", "Ada"),
        ("family_name", "Okafor"),
        ("sex", "female"),
        ("birth_date", "1950-02-01"),
    ])
    .await
}

async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn problems_are_kept_in_snomed_another_system_or_free_text_with_icd_optional() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/problems");
    let afib = json!({"system": "http://snomed.info/sct", "code": "49436004", "display": "Atrial fibrillation",
                      "onset_date": "2015-03-01"});
    let r = app.api(Method::POST, &url, Some(&token), Some(afib.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let afib_id = r.json()["id"].as_str().unwrap().to_string();
    // Duplicate check per system and code (a short system name is the same system).
    let r = app
        .api(Method::POST, &url, Some(&token), Some(json!({"system": "snomed", "code": "49436004", "display": "AF"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["existing_id"], afib_id.as_str());
    let own = json!({"system": "http://example.org/codes", "code": "49436004", "display": "Local problem 49436004"});
    let r = app.api(Method::POST, &url, Some(&token), Some(own)).await;
    assert_eq!(r.status, StatusCode::CREATED, "same code, another system: {}", r.body);
    // Free text, and ICD-10-CM as before.
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"display": "Chronic low back pain"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"display": "chronic LOW back pain"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "free text duplicate: {}", r.body);
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"icd_code": "E11.9"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Refusals, each with its field.
    for (body, needle) in [
        (
            json!({"system": "http://snomed.info/sct", "code": "abc", "display": "x"}),
            "code: A SNOMED CT code is a concept id",
        ),
        (json!({"system": "http://snomed.info/sct", "code": "38341003"}), "display: Enter the problem"),
        (json!({"system": "not a uri", "code": "1", "display": "x"}), "system: Give the code system as a URI"),
        (json!({"code": "38341003", "display": "x"}), "system: Choose the code system"),
        (
            json!({"system": "snomed", "code": "38341003", "display": "HT", "icd_code": "I10.9"}),
            "icd_code: I10.9 is not",
        ),
        (json!({}), "icd_code: Enter an ICD-10-CM code"),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{body}: {}", r.body);
    }
    let r = app.api(Method::GET, &url, Some(&token), None).await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4);
    let af = items.iter().find(|p| p["id"] == afib_id.as_str()).unwrap();
    assert_eq!(af["code_system"], "http://snomed.info/sct");
    assert_eq!(af["code"], "49436004");
    assert_eq!(af["description"], "Atrial fibrillation");
    assert!(af["icd_code"].is_null());
    let dm = items.iter().find(|p| p["icd_code"] == "E11.9").unwrap();
    assert_eq!(dm["code_system"], "http://hl7.org/fhir/sid/icd-10-cm");
    assert_eq!(dm["code"], "E11.9");
    let free = items.iter().find(|p| p["description"] == "Chronic low back pain").unwrap();
    assert!(free["code_system"].is_null() && free["code"].is_null() && free["icd_code"].is_null());

    // The page: "Not ICD-coded", suggestions, and adding an ICD-10-CM code keeps the coding.
    let page_url = format!("/patients/{pid}/problems");
    let page = app.get(&page_url).await;
    assert!(page.body.contains("Not ICD-coded") && page.body.contains("(SNOMED CT 49436004)"), "{}", page.body);
    assert!(page.body.contains("Suggested for “Atrial fibrillation”"), "{}", page.body);
    assert!(page.body.contains("name=\"icd_code\" value=\"I48."), "an atrial fibrillation code is suggested");
    let r = app.post_form(&format!("{page_url}/{afib_id}/icd"), &[("typed_code", "I48")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("is a heading, not a billable code") && r.body.contains(&format!("id=\"icd-{afib_id}-error\""))
    );
    // A suggestion's button sends its code with the (empty) typed field, as a browser does.
    let r = app.post_form(&format!("{page_url}/{afib_id}/icd"), &[("icd_code", "I48.91"), ("typed_code", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sql = format!("SELECT icd_code || '|' || code_system || '|' || code FROM problems WHERE id = '{afib_id}'");
    assert_eq!(text(&app, &sql).await, "I48.91|http://snomed.info/sct|49436004");
    assert!(app.audit_count("problem.update").await >= 1);

    // The page form: SNOMED CT without ICD-10-CM; a bad one comes back with its message.
    let r = app
        .post_form(&page_url, &[("system", "http://snomed.info/sct"), ("code", "12"), ("display", "Hypertension")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("A SNOMED CT code is a concept id") && r.body.contains("value=\"Hypertension\""));
    let r = app
        .post_form(
            &page_url,
            &[("system", "other"), ("system_uri", "urn:oid:1.2.3.4"), ("code", "HT-1"), ("display", "Hypertension")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(text(&app, "SELECT code_system FROM problems WHERE code = 'HT-1'").await, "urn:oid:1.2.3.4");
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Hypertension") && chart.body.contains("not ICD-coded"), "{}", chart.body);

    // A row written with only its ICD-10-CM code (older paths, bulk loads) gets that coding.
    sqlx::query(
        "INSERT INTO problems (id, patient_id, icd_code, description, status) VALUES (gen_random_uuid(), $1::uuid, 'I10', 'Essential hypertension', 'active')",
    )
    .bind(&pid)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        text(&app, "SELECT code_system || '|' || code FROM problems WHERE icd_code = 'I10'").await,
        "http://hl7.org/fhir/sid/icd-10-cm|I10"
    );
}

#[tokio::test]
async fn resolution_stop_and_end_dates_are_the_real_ones_and_validated() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    let base = format!("/api/v1/patients/{pid}");

    // Problems: resolved on a past date; not in the future, not before the onset.
    let r = app
        .api(
            Method::POST,
            &format!("{base}/problems"),
            Some(&token),
            Some(json!({"icd_code": "J45.909", "onset_date": "2001-06-01"})),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let status = format!("{base}/problems/{id}/status");
    for (date, needle) in
        [("2999-01-01", "in the future"), ("2000-01-01", "before the onset date"), ("May 2020", "YYYY-MM-DD")]
    {
        let r = app.api(Method::POST, &status, Some(&token), Some(json!({"status": "resolved", "date": date}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{date}: {}", r.body);
    }
    let r =
        app.api(Method::POST, &status, Some(&token), Some(json!({"status": "resolved", "date": "2020-05-01"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(text(&app, &format!("SELECT resolved_date::text FROM problems WHERE id = '{id}'")).await, "2020-05-01");
    // Created resolved, with its date.
    let body =
        json!({"icd_code": "I10", "onset_date": "2010-01-01", "status": "resolved", "resolved_date": "2012-02-02"});
    let r = app.api(Method::POST, &format!("{base}/problems"), Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(text(&app, "SELECT resolved_date::text FROM problems WHERE icd_code = 'I10'").await, "2012-02-02");
    let body =
        json!({"icd_code": "I10", "onset_date": "2010-01-01", "status": "resolved", "resolved_date": "2009-02-02"});
    let r = app.api(Method::POST, &format!("{base}/problems"), Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The page: the resolution date with the confirmation; a bad one comes back with its message.
    let page_url = format!("/patients/{pid}/problems");
    let r = app.post_form(&page_url, &[("icd_code", "E11.9"), ("onset_date", "2015-01-01")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let e11 = text(&app, "SELECT id::text FROM problems WHERE icd_code = 'E11.9'").await;
    let go = format!("{page_url}/{e11}/status");
    let bad = [("status", "resolved"), ("confirm", "yes"), ("reason", "Remission"), ("resolved_date", "2014-01-01")];
    let r = app.post_form(&go, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The resolution date is before the onset date") && r.body.contains("role=\"alert\""));
    let ok = [("status", "resolved"), ("confirm", "yes"), ("reason", "Remission"), ("resolved_date", "2019-09-09")];
    assert_eq!(app.post_form(&go, &ok).await.status, StatusCode::SEE_OTHER);
    assert_eq!(text(&app, &format!("SELECT resolved_date::text FROM problems WHERE id = '{e11}'")).await, "2019-09-09");

    // Medications: stopped on a past date.
    let r = app
        .api(
            Method::POST,
            &format!("{base}/medications"),
            Some(&token),
            Some(json!({"name": "Metformin", "dose": "500 mg", "route": "oral", "start_date": "2018-01-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mid = r.json()["id"].as_str().unwrap().to_string();
    let mstatus = format!("{base}/medications/{mid}/status");
    let r =
        app.api(Method::POST, &mstatus, Some(&token), Some(json!({"status": "stopped", "date": "2017-01-01"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"].as_str().unwrap().contains("stop_date: The stop date is before the start date"));
    let r =
        app.api(Method::POST, &mstatus, Some(&token), Some(json!({"status": "stopped", "date": "2999-01-01"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r =
        app.api(Method::POST, &mstatus, Some(&token), Some(json!({"status": "stopped", "date": "2021-03-04"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(text(&app, "SELECT stop_date::text FROM home_medications").await, "2021-03-04");
    // The page's stop form takes the date too.
    let murl = format!("/patients/{pid}/medications");
    let r = app.post_form(&murl, &[("name", "Ramipril"), ("route", "oral"), ("start_date", "2019-01-01")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rid = text(&app, "SELECT id::text FROM home_medications WHERE name = 'Ramipril'").await;
    let page = app.get(&murl).await;
    assert!(page.body.contains(&format!("id=\"stop-{rid}\"")) && page.body.contains("Stopped on"));
    let r = app.post_form(&format!("{murl}/{rid}/status"), &[("status", "stopped"), ("stop_date", "2999-01-01")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The stop date is in the future") && r.body.contains(&format!("id=\"stop-{rid}-error\"")));
    let r = app.post_form(&format!("{murl}/{rid}/status"), &[("status", "stopped"), ("stop_date", "2022-02-02")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(text(&app, "SELECT stop_date::text FROM home_medications WHERE name = 'Ramipril'").await, "2022-02-02");

    // Encounters: finished at their real end; not before the start, not in the future.
    let r = app
        .api(
            Method::POST,
            &format!("{base}/encounters"),
            Some(&token),
            Some(json!({"kind": "outpatient", "status": "in_progress", "starts_at": "2020-01-10T09:00:00Z"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let eid = r.json()["id"].as_str().unwrap().to_string();
    let estatus = format!("{base}/encounters/{eid}/status");
    for (date, needle) in
        [("2020-01-10T08:00:00Z", "before the encounter's start"), ("2999-01-01T00:00:00Z", "in the future")]
    {
        let r = app.api(Method::POST, &estatus, Some(&token), Some(json!({"status": "finished", "date": date}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{date}: {}", r.body);
    }
    let r = app
        .api(Method::POST, &estatus, Some(&token), Some(json!({"status": "finished", "date": "2020-01-10T09:40:00Z"})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let sql =
        format!("SELECT to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM encounters WHERE id = '{eid}'");
    assert_eq!(text(&app, &sql).await, "2020-01-10 09:40");
    // The page: an end time in the facility's local time.
    let eurl = format!("/patients/{pid}/encounters");
    let r = app
        .post_form(&eurl, &[("kind", "outpatient"), ("status", "in_progress"), ("starts_at", "2021-06-01T10:00")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e2 = text(&app, &format!("SELECT id::text FROM encounters WHERE id <> '{eid}'")).await;
    let page = app.get(&eurl).await;
    assert!(page.body.contains(&format!("id=\"ended-{e2}\"")));
    let r = app
        .post_form(&format!("{eurl}/{e2}/status"), &[("status", "finished"), ("ended_at", "2021-06-01T09:00")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(&format!("{eurl}/{e2}/status"), &[("status", "finished"), ("ended_at", "2021-06-01T10:30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sql = format!("SELECT (ended_at - starts_at)::text FROM encounters WHERE id = '{e2}'");
    assert_eq!(text(&app, &sql).await, "00:30:00");
}

#[tokio::test]
async fn allergies_keep_fhir_criticality_verification_reactions_and_dates_and_never_replace_a_sent_category() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/allergies");
    // No severity needed: FHIR's fields as sent.
    let body = json!({"substance_code": "amoxicillin", "criticality": "low", "verification_status": "unconfirmed",
        "reactions": [{"manifestation": "Hives", "severity": "mild"}, {"manifestation": "Wheeze", "severity": "moderate"}],
        "onset_date": "2001-01-01", "recorded_at": "2010-05-05T10:00:00Z"});
    let r = app.api(Method::POST, &url, Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::GET, &url, Some(&token), None).await;
    let a = &r.json()["items"][0];
    assert_eq!(a["criticality"], "low");
    assert_eq!(a["verification_status"], "unconfirmed");
    assert_eq!(a["reaction_severity"], "moderate", "the worst reaction");
    assert_eq!(a["reactions"][1]["manifestation"], "Wheeze");
    assert_eq!(a["reactions"][0]["severity"], "mild");
    assert_eq!(a["onset_date"], "2001-01-01");
    assert_eq!(a["recorded_at"], "2010-05-05T10:00:00Z");
    assert!(a["severity"].is_null());
    assert_eq!(a["category"], "drug");

    // Categories: FHIR's are kept as sent; one that contradicts the code, or unknown, is refused.
    for (body, needle) in [
        (json!({"substance_code": "peanut", "category": "medication"}), "category: Peanut is a food substance"),
        (json!({"substance": "Ragweed", "category": "plants"}), "category: Choose drug"),
        (
            json!({"substance": "Ragweed", "category": "environment", "criticality": "extreme"}),
            "criticality: Choose low",
        ),
        (
            json!({"substance": "Ragweed", "category": "environment", "verification_status": "maybe"}),
            "verification_status:",
        ),
        (
            json!({"substance": "Ragweed", "category": "environment", "reaction": "Sneezing", "reaction_severity": "fatal"}),
            "reaction_severity:",
        ),
        (
            json!({"substance": "Ragweed", "category": "environment", "recorded_at": "2999-01-01T00:00:00Z"}),
            "recorded_at: The recorded time is in the future",
        ),
        (
            json!({"substance": "Ragweed", "category": "environment", "onset_date": "2999-01-01"}),
            "onset_date: The onset date is in the future",
        ),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{body}: {}", r.body);
    }
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"substance_code": "penicillin", "category": "medication", "criticality": "unable-to-assess"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        text(&app, "SELECT category || '|' || criticality FROM allergies WHERE substance_code = 'penicillin'").await,
        "medication|unable_to_assess"
    );
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"substance": "Horse serum", "category": "biologic", "verification_status": "refuted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(text(&app, "SELECT category || '|' || status || '|' || verification_status FROM allergies WHERE substance = 'Horse serum'").await, "biologic|inactive|refuted");
    // The older severity alone still works and gives criticality and reaction severity.
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"substance_code": "latex", "severity": "life_threatening", "reaction": "Anaphylaxis"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        text(&app, "SELECT severity || '|' || criticality || '|' || reaction_severity || '|' || (reactions->0->>'manifestation') FROM allergies WHERE substance_code = 'latex'").await,
        "life_threatening|high|severe|Anaphylaxis"
    );

    // The banner: each substance once, worst first by criticality.
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"substance_code": "amoxicillin", "criticality": "high", "record_anyway": true, "duplicate_reason": "anaphylaxis in 2020"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = app.get(&format!("/patients/{pid}/allergies")).await;
    assert_eq!(page.body.matches("Amoxicillin · high criticality").count(), 1, "{}", page.body);
    assert!(!page.body.contains("Amoxicillin · low criticality"));
    let latex = page.body.find("Latex · life-threatening · high criticality").expect("latex in the banner");
    let pen = page.body.find("Penicillins · unable to assess criticality").expect("penicillin in the banner");
    assert!(latex < pen, "worst first");
    assert!(page.body.contains("Verification: unconfirmed") && page.body.contains("Onset 2001-01-01"));

    // The page form: criticality without severity; a contradicting category comes back with its message.
    let purl = format!("/patients/{pid}/allergies");
    let r = app.post_form(&purl, &[("substance_code", "egg"), ("category", "drug"), ("criticality", "low")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Egg is a food substance"), "{}", r.body);
    let r = app
        .post_form(
            &purl,
            &[
                ("substance_code", "egg"),
                ("criticality", "low"),
                ("reaction", "Rash"),
                ("reaction_severity", "mild"),
                ("onset_date", "1990-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(text(&app, "SELECT criticality || '|' || reaction_severity || '|' || onset_date::text FROM allergies WHERE substance_code = 'egg'").await, "low|mild|1990-01-01");
}

#[tokio::test]
async fn a_procedure_history_through_the_api_and_the_page_linked_to_an_encounter_with_its_source() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let other = app
        .register_patient(&[
            ("given_name", "Ben"),
            ("family_name", "Other"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let token = app.api_token(&email).await;
    let enc = |p: &str| format!("/api/v1/patients/{p}/encounters");
    let body = json!({"kind": "inpatient", "status": "in_progress", "starts_at": "2019-03-01T08:00:00Z"});
    let eid = app.api(Method::POST, &enc(&pid), Some(&token), Some(body.clone())).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs =
        app.api(Method::POST, &enc(&other), Some(&token), Some(body)).await.json()["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/patients/{pid}/procedures");
    let appendix = json!({"system": "http://snomed.info/sct", "code": "80146002", "display": "Appendectomy",
        "performed_start": "2019-03-01T10:00:00Z", "performed_end": "2019-03-01T11:10:00Z", "encounter_id": eid,
        "source_author": "Dr. R. Okoye", "recorded_at": "2019-03-02T09:00:00Z", "note": "Uncomplicated"});
    let r = app.api(Method::POST, &url, Some(&token), Some(appendix)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for body in [
        json!({"system": "cpt", "code": "47562", "display": "Laparoscopic cholecystectomy", "performed_start": "2012-06-01"}),
        json!({"display": "Tonsillectomy", "performed_start": "1960-05-01", "status": "completed"}),
        json!({"system": "icd10pcs", "code": "0DTJ4ZZ", "display": "Resection of appendix", "performed_start": "2019-03-01T10:00:00Z"}),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.body);
    }
    for (body, needle) in [
        (
            json!({"display": "X", "performed_start": "2999-01-01"}),
            "performed_start: The procedure date is in the future",
        ),
        (json!({"display": "X"}), "performed_start: Enter when"),
        (
            json!({"display": "X", "performed_start": "2019-01-02", "performed_end": "2019-01-01"}),
            "performed_end: The end is before the start",
        ),
        (
            json!({"display": "X", "performed_start": "2019-01-02", "encounter_id": theirs}),
            "encounter_id: Choose one of this patient's encounters",
        ),
        (
            json!({"system": "snomed", "code": "12", "display": "X", "performed_start": "2019-01-02"}),
            "code: A SNOMED CT code is a concept id",
        ),
        (
            json!({"system": "cpt", "code": "123", "display": "X", "performed_start": "2019-01-02"}),
            "code: A CPT code has 5 characters",
        ),
        (json!({"code": "44950", "display": "X", "performed_start": "2019-01-02"}), "system: Choose the code system"),
        (json!({"performed_start": "2019-01-02"}), "display: Name the procedure"),
        (json!({"display": "X", "performed_start": "2019-01-02", "status": "planned"}), "status: Choose completed"),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{body}: {}", r.body);
    }
    let r = app.api(Method::GET, &url, Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4);
    let a = items.iter().find(|p| p["display"] == "Appendectomy").unwrap();
    assert_eq!(a["code_system"], "http://snomed.info/sct");
    assert_eq!(a["code"], "80146002");
    assert_eq!(a["encounter_id"], eid.as_str());
    assert_eq!(a["performed_end"], "2019-03-01T11:10:00Z");
    assert_eq!(a["source_author"], "Dr. R. Okoye");
    assert_eq!(a["recorded_at"], "2019-03-02T09:00:00Z");
    let c = items.iter().find(|p| p["code"] == "47562").unwrap();
    assert_eq!(c["code_system"], "http://www.ama-assn.org/go/cpt");
    assert!(items.iter().any(|p| p["display"] == "Tonsillectomy" && p["code_system"].is_null()));
    assert!(app.audit_count("procedure.create").await == 4);

    // The page: the tab, the history, the form with its errors, entered in error with a reason.
    let page_url = format!("/patients/{pid}/procedures");
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains(&format!("href=\"{page_url}\"")), "a Procedures tab");
    let page = app.get(&page_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Appendectomy")
            && page.body.contains("SNOMED CT 80146002")
            && page.body.contains("CPT 47562")
    );
    assert!(page.body.contains("by Dr. R. Okoye (source)") && page.body.contains("free text"));
    let r = app.post_form(&page_url, &[("display", "Cataract surgery"), ("performed_start", "2999-01-01T10:00")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The procedure date is in the future") && r.body.contains("value=\"Cataract surgery\""));
    let r = app
        .post_form(
            &page_url,
            &[
                ("display", "Cataract surgery"),
                ("system", "http://snomed.info/sct"),
                ("code", "110473004"),
                ("performed_start", "2021-04-04T10:00"),
                ("encounter_id", &eid),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = text(&app, "SELECT id::text FROM procedures WHERE code = '110473004'").await;
    let r = app.post_form(&format!("{page_url}/{id}/error"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(&format!("id=\"reason-{id}-error\"")));
    let r = app
        .post_form(&format!("{page_url}/{id}/error"), &[("confirm", "yes"), ("reason", "Other eye, other patient")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(text(&app, &format!("SELECT status FROM procedures WHERE id = '{id}'")).await, "entered_in_error");

    // The whole-record export carries the section.
    let r = app.api(Method::GET, &format!("/api/v1/patients/{pid}/export"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["procedures"].as_array().map(|a| a.len()), Some(5));
    // A pharmacist reads the history but cannot add to it.
    let pemail = app.user("pharmacist").await;
    let ptoken = app.api_token(&pemail).await;
    let r = app.api(Method::GET, &url, Some(&ptoken), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .api(Method::POST, &url, Some(&ptoken), Some(json!({"display": "X", "performed_start": "2019-01-02"})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn problems_allergies_and_medications_keep_their_encounter_source_author_recorded_time_and_rxnorm_code() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let other = app
        .register_patient(&[
            ("given_name", "Ben"),
            ("family_name", "Other"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let token = app.api_token(&email).await;
    let body = json!({"kind": "outpatient", "status": "in_progress", "starts_at": "2018-04-01T08:00:00Z"});
    let enc = |p: &str| format!("/api/v1/patients/{p}/encounters");
    let eid = app.api(Method::POST, &enc(&pid), Some(&token), Some(body.clone())).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs =
        app.api(Method::POST, &enc(&other), Some(&token), Some(body)).await.json()["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/patients/{pid}");
    let source = json!({"source_author": "Dr. M. Lindqvist", "recorded_at": "2018-04-01T09:30:00Z"});
    let with = |mut v: serde_json::Value, extra: &serde_json::Value| {
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };

    // Medications: RxNorm code, encounter, author and time; another patient's encounter is refused.
    let med =
        json!({"name": "Lisinopril 10 MG Oral Tablet", "route": "oral", "rxnorm_code": "314076", "encounter_id": eid});
    let r = app.api(Method::POST, &format!("{base}/medications"), Some(&token), Some(with(med.clone(), &source))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (body, needle) in [
        (with(med.clone(), &json!({"encounter_id": theirs})), "encounter_id: Choose one of this patient's encounters"),
        (with(med.clone(), &json!({"rxnorm_code": "RX-1"})), "rxnorm_code: An RxNorm code"),
        (
            with(med.clone(), &json!({"recorded_at": "2999-01-01T00:00:00Z"})),
            "recorded_at: The recorded time is in the future",
        ),
    ] {
        let r = app.api(Method::POST, &format!("{base}/medications"), Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{body}: {}", r.body);
    }
    let m = &app.api(Method::GET, &format!("{base}/medications"), Some(&token), None).await.json()["items"][0];
    assert_eq!(m["rxnorm_code"], "314076");
    assert_eq!(m["encounter_id"], eid.as_str());
    assert_eq!(m["source_author"], "Dr. M. Lindqvist");
    assert_eq!(m["recorded_at"], "2018-04-01T09:30:00Z");
    assert_ne!(m["created_at"], m["recorded_at"], "recorded_at is distinct from created_at");

    // Allergies.
    let allergy = json!({"substance_code": "penicillin", "criticality": "high", "encounter_id": eid});
    let r =
        app.api(Method::POST, &format!("{base}/allergies"), Some(&token), Some(with(allergy.clone(), &source))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{base}/allergies"),
            Some(&token),
            Some(json!({"substance_code": "latex", "encounter_id": theirs})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let a = &app.api(Method::GET, &format!("{base}/allergies"), Some(&token), None).await.json()["items"][0];
    assert_eq!(a["encounter_id"], eid.as_str());
    assert_eq!(a["source_author"], "Dr. M. Lindqvist");
    assert_eq!(a["recorded_at"], "2018-04-01T09:30:00Z");

    // Problems (the encounter link is the diagnosis link).
    let problem = json!({"system": "snomed", "code": "38341003", "display": "Hypertension", "encounter_id": eid});
    let r = app.api(Method::POST, &format!("{base}/problems"), Some(&token), Some(with(problem, &source))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = &app.api(Method::GET, &format!("{base}/problems"), Some(&token), None).await.json()["items"][0];
    assert_eq!(p["encounter_id"], eid.as_str());
    assert_eq!(p["source_author"], "Dr. M. Lindqvist");
    assert_eq!(p["recorded_at"], "2018-04-01T09:30:00Z");
    // Recorded here: no source author, recorded now.
    let r = app.api(Method::POST, &format!("{base}/problems"), Some(&token), Some(json!({"icd_code": "E11.9"}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(text(&app, "SELECT source_author || '|' || (recorded_at > now() - interval '1 minute')::text FROM problems WHERE icd_code = 'E11.9'").await, "|true");
    let changes = text(&app, "SELECT changes::text FROM audit_events WHERE action = 'medication.create'").await;
    assert!(changes.contains("Dr. M. Lindqvist") && changes.contains("314076"), "{changes}");
}

#[tokio::test]
async fn vitals_and_immunizations_keep_their_encounter_allergies_their_substance_coding_and_a_stop_can_have_no_date() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let other = app
        .register_patient(&[
            ("given_name", "Ben"),
            ("family_name", "Other"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let token = app.api_token(&email).await;
    let body = json!({"kind": "outpatient", "status": "in_progress", "starts_at": "2018-04-01T08:00:00Z"});
    let enc = |p: &str| format!("/api/v1/patients/{p}/encounters");
    let eid = app.api(Method::POST, &enc(&pid), Some(&token), Some(body.clone())).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let theirs =
        app.api(Method::POST, &enc(&other), Some(&token), Some(body)).await.json()["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/patients/{pid}");

    // Vital signs: the set keeps its encounter; another patient's encounter changes nothing.
    let set = json!({"taken_at": "2018-04-01T08:15:00Z", "pulse": 72, "bp_systolic": 121.5, "encounter_id": eid});
    let r = app.api(Method::POST, &format!("{base}/vitals"), Some(&token), Some(set.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut wrong = set.clone();
    wrong["encounter_id"] = json!(theirs);
    let r = app.api(Method::POST, &format!("{base}/vitals"), Some(&token), Some(wrong)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("encounter_id"), "{}", r.body);
    let v = &app.api(Method::GET, &format!("{base}/vitals"), Some(&token), None).await.json()["items"];
    assert_eq!(v.as_array().unwrap().len(), 1, "the refused set was not stored");
    assert_eq!(v[0]["encounter_id"], eid.as_str());
    assert_eq!(v[0]["bp_systolic"], 121.5);

    // Immunizations: the same.
    let dose = json!({"cvx": "140", "occurred_on": "2018-04-01", "reported": true, "encounter_id": eid});
    let r = app.api(Method::POST, &format!("{base}/immunizations"), Some(&token), Some(dose.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for bad in [json!(theirs), json!("not-a-uuid")] {
        let mut d = dose.clone();
        d["encounter_id"] = bad;
        d["occurred_on"] = json!("2019-04-01");
        let r = app.api(Method::POST, &format!("{base}/immunizations"), Some(&token), Some(d)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains("encounter_id"), "{}", r.body);
    }
    let i = &app.api(Method::GET, &format!("{base}/immunizations"), Some(&token), None).await.json();
    assert_eq!(i.as_array().unwrap().len(), 1);
    assert_eq!(i[0]["encounter_id"], eid.as_str());

    // Allergies: a substance coded in SNOMED CT (or any system) keeps its coding.
    let url = format!("{base}/allergies");
    let amox = json!({"substance": "Amoxicillin", "system": "http://snomed.info/sct", "code": "372687004",
                      "category": "medication", "criticality": "high"});
    let r = app.api(Method::POST, &url, Some(&token), Some(amox.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&token), Some(amox)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the same coded substance again: {}", r.body);
    for (body, needle) in [
        (json!({"substance": "X", "category": "food", "system": "snomed", "code": "abc"}), "code: A SNOMED CT code"),
        (json!({"substance": "X", "category": "food", "code": "1234567"}), "system: Give the coding system"),
        (json!({"substance": "X", "category": "food", "system": "snomed"}), "code: Give the code"),
        (
            json!({"substance": "X", "category": "food", "system": "no uri", "code": "1"}),
            "system: Give the code system",
        ),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["detail"].as_str().unwrap().contains(needle), "{body}: {}", r.body);
    }
    let a = &app.api(Method::GET, &url, Some(&token), None).await.json()["items"];
    assert_eq!(a.as_array().unwrap().len(), 1);
    assert_eq!(a[0]["code_system"], "http://snomed.info/sct");
    assert_eq!(a[0]["code"], "372687004");
    let page = app.get(&format!("/patients/{pid}/allergies")).await;
    assert!(page.body.contains("SNOMED CT 372687004"), "the chart shows the coding");

    // A medication stopped on a day nobody recorded keeps no stop date (not today's).
    let r = app
        .api(
            Method::POST,
            &format!("{base}/medications"),
            Some(&token),
            Some(json!({"name": "Metformin", "route": "oral"})),
        )
        .await;
    let mid = r.json()["id"].as_str().unwrap().to_string();
    let status = format!("{base}/medications/{mid}/status");
    let both = json!({"status": "stopped", "date": "2020-01-01", "date_unknown": true});
    let r = app.api(Method::POST, &status, Some(&token), Some(both)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r =
        app.api(Method::POST, &status, Some(&token), Some(json!({"status": "stopped", "date_unknown": true}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let m = &app.api(Method::GET, &format!("{base}/medications"), Some(&token), None).await.json()["items"][0];
    assert_eq!(m["status"], "stopped");
    assert!(m["stop_date"].is_null(), "{m}");
    assert!(app.get(&format!("/patients/{pid}/medications")).await.body.contains("date unknown"));
}
