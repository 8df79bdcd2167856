//! Issue 10, patient access: the restricted-record check cannot be bypassed by spelling the
//! patient id differently (finding 1), break-glass access cannot change who may see a record
//! (finding 2), restricting and the care team need `patients.restricted` (finding 6), and only
//! the author signs a note (finding 7).

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use crate::helpers::*;

fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(&[0u8, 0, 0, 13, b'I', b'H', b'D', b'R', 0xAB, 0xCD]);
    v
}

async fn signed_in_as(app: &TestApp, role: &str) -> (TestApp, String) {
    let email = app.user(role).await;
    let mut c = app.another_client();
    c.login(&email, PASSWORD).await;
    (c, email)
}

async fn register(app: &mut TestApp, given: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", "Walker"),
        ("sex", "female"),
        ("birth_date", "1970-05-01"),
    ])
    .await
}

async fn is_restricted(app: &TestApp, pid: &str) -> bool {
    sqlx::query_scalar("SELECT restricted FROM patients WHERE id = $1::uuid")
        .bind(pid)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn care_team(app: &TestApp, pid: &str) -> Vec<uuid::Uuid> {
    sqlx::query_scalar("SELECT user_id FROM patient_care_team WHERE patient_id = $1::uuid ORDER BY user_id")
        .bind(pid)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// A digest of every table a request below a patient could write (audit events included, so
/// an audited read counts as well): (table, md5 of its rows).
async fn fingerprint(app: &TestApp) -> Vec<(String, String)> {
    let tables = [
        "patients",
        "patient_emergency_contacts",
        "patient_photos",
        "patient_consents",
        "patient_care_team",
        "patient_break_glass",
        "patient_rights_requests",
        "encounters",
        "problems",
        "allergies",
        "allergy_nka",
        "vitals",
        "notes",
        "note_addenda",
        "home_medications",
        "documents",
        "document_versions",
        "messages",
        "orders",
        "order_results",
        "immunizations",
        "notifications",
        "jobs",
        "audit_events",
    ];
    let sql = tables
        .iter()
        .map(|t| format!("SELECT '{t}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {t} x"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    sqlx::query_as(&sql).fetch_all(&app.pool).await.unwrap()
}

/// Ways to spell the id `c` in a path: the plain id, percent-encoded hyphens (both cases),
/// fully percent-encoded, upper-case, without hyphens, braced, as a URN, and with junk around it.
fn spellings(c: &str) -> Vec<String> {
    let all_encoded: String = c.bytes().map(|b| format!("%{b:02x}")).collect();
    let all_encoded_upper: String = c.bytes().map(|b| format!("%{b:02X}")).collect();
    let first_encoded = format!("%{:02x}{}", c.as_bytes()[0], &c[1..]);
    vec![
        c.to_string(),
        c.replace('-', "%2D"),
        c.replace('-', "%2d"),
        all_encoded,
        all_encoded_upper,
        first_encoded,
        c.to_uppercase(),
        c.to_uppercase().replace('-', "%2D"),
        c.replace('-', ""),
        format!("%7B{c}%7D"),
        format!("urn:uuid:{c}"),
        format!("urn%3Auuid%3A{}", c.replace('-', "%2D")),
        format!("{c}x"),
        format!("{c}%20"),
        format!("{c}%00"),
        format!("{c}%2F"),
        format!("%20{c}"),
        format!("x{c}"),
        format!("{c};x"),
    ]
}

/// Fills the placeholders of a route template: `{id}` with the spelled patient id, the others
/// with real ids of the patient's rows (by the segment before them), so a bypass would act on
/// real data.
fn fill(template: &str, id: &str, items: &std::collections::HashMap<&str, String>) -> String {
    let segs: Vec<&str> = template.split('/').collect();
    let mut out = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        if *s == "{id}" {
            out.push(id.to_string());
        } else if s.starts_with('{') {
            let prev = if i > 0 { segs[i - 1] } else { "" };
            let v = items.get(prev).cloned().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            out.push(v);
        } else {
            out.push(s.to_string());
        }
    }
    out.join("/")
}

/// Sends the requests concurrently through the router (cookies as built; none are kept).
async fn send_all(
    app: &TestApp,
    reqs: Vec<(&'static str, Request<Body>)>,
) -> Vec<(&'static str, String, TestResponse)> {
    let calls = reqs.into_iter().map(|(how, req)| {
        let router = app.router.clone();
        async move {
            let path = req.uri().to_string();
            let res = router.oneshot(req).await.unwrap();
            let (status, headers) = (res.status(), res.headers().clone());
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (how, path, TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() })
        }
    });
    futures_util::future::join_all(calls).await
}

fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "secwalkboundary7311";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for name in ["file", "photo"] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"scan.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&png());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Finding 1: every route below `/patients/{id}` and `/api/v1/patients/{id}`, taken from the
/// routers' own construction, refuses a restricted record however its id is spelled, for GET,
/// POST (and PUT/PATCH on the API), as a clinician with chart.read/chart.write who is not on the
/// care team; nothing is written or audited.
#[tokio::test]
async fn every_patient_route_refuses_a_restricted_record_however_the_id_is_spelled() {
    let mut app = TestApp::new().await;
    let doctor = app.user("doctor").await;
    app.login(&doctor, PASSWORD).await;
    let (mut admin, _) = signed_in_as(&app, "super_admin").await;

    // The doctor records a chart (so the item routes point at real rows), then a holder of
    // patients.restricted restricts the record. The doctor is not on its care team.
    let pid = register(&mut app, "Vera").await;
    let other = register(&mut app, "Otto").await;
    let token = app.api_token(&doctor).await;
    let base = format!("/api/v1/patients/{pid}");
    for (path, body) in [
        ("problems", json!({"icd_code": "J45.909", "onset_date": "2001-06-01"})),
        ("allergies", json!({"substance_code": "peanut", "severity": "severe", "reaction": "Angioedema"})),
        ("vitals", json!({"temperature_c": 36.9, "pulse": 72})),
        (
            "medications",
            json!({"name": "Salbutamol", "dose": "100 micrograms", "route": "inhaled", "frequency": "as needed"}),
        ),
        ("encounters", json!({"kind": "telephone", "status": "in_progress", "reason": "Asthma check"})),
        ("notes", json!({"template": "progress", "title": "Draft", "body": "Draft text."})),
        ("orders", json!({"kind": "immunization", "code": "140", "indication": "Flu season"})),
    ] {
        let r = app.api(Method::POST, &format!("{base}/{path}"), Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
    }
    let r = app
        .post_multipart(
            &format!("/patients/{pid}/documents"),
            &[("title", "Scan"), ("category", "other")],
            ("file", "scan.png", &png()[..]),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "document: {}", r.body);
    let r = app
        .post_form(&format!("/patients/{pid}/contacts"), &[("name", "Bob Walker"), ("relationship", "spouse")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "contact: {}", r.body);
    let r = app
        .post_form(&format!("/patients/{pid}/requests"), &[("kind", "erasure"), ("details", "Asked at the desk")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "request: {}", r.body);
    let r = admin.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "restrict: {}", r.body);
    assert!(is_restricted(&app, &pid).await);
    let doctor_id = user_id(&app, &doctor).await;
    assert!(!care_team(&app, &pid).await.contains(&doctor_id), "the walker is not on the care team");

    let one = |sql: &'static str| {
        let pool = app.pool.clone();
        let pid = pid.clone();
        async move {
            let v: uuid::Uuid = sqlx::query_scalar(sql).bind(&pid).fetch_one(&pool).await.unwrap();
            v.to_string()
        }
    };
    let mut items: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    items.insert("encounters", one("SELECT id FROM encounters WHERE patient_id = $1::uuid").await);
    items.insert("problems", one("SELECT id FROM problems WHERE patient_id = $1::uuid").await);
    items.insert("allergies", one("SELECT id FROM allergies WHERE patient_id = $1::uuid").await);
    items.insert("medications", one("SELECT id FROM home_medications WHERE patient_id = $1::uuid").await);
    items.insert("notes", one("SELECT id FROM notes WHERE patient_id = $1::uuid").await);
    items.insert("documents", one("SELECT id FROM documents WHERE patient_id = $1::uuid").await);
    items.insert("contacts", one("SELECT id FROM patient_emergency_contacts WHERE patient_id = $1::uuid").await);
    items.insert("requests", one("SELECT id FROM patient_rights_requests WHERE patient_id = $1::uuid").await);
    items.insert("orders", one("SELECT id FROM orders WHERE patient_id = $1::uuid").await);
    items.insert("versions", "1".into());

    // Every route with a patient id, from the routers the app is built from.
    let mut pages: Vec<String> = Vec::new();
    let mut apis: Vec<String> = Vec::new();
    let page_paths = hearth::REGISTRY.modules().flat_map(|m| (m.pages)().paths().to_vec());
    let api_paths = hearth::REGISTRY.api_operations().into_iter().map(|(_, p)| p);
    {
        for p in page_paths.chain(api_paths).collect::<std::collections::BTreeSet<_>>().iter() {
            if p.starts_with("/patients/{id}") {
                pages.push(p.clone());
            } else if p.starts_with("/api/v1/patients/{id}") {
                apis.push(p.clone());
            }
        }
    }
    assert!(pages.len() >= 40 && apis.len() >= 20, "{} page routes, {} API routes", pages.len(), apis.len());

    let csrf = app.csrf().await;
    let form = serde_urlencoded::to_string([
        ("status", "resolved"),
        ("title", "Walk"),
        ("body", "Written through a spelled id"),
        ("template", "free"),
        ("action", "sign"),
        ("restricted", "false"),
        ("email", doctor.as_str()),
        ("role", "walker"),
        ("name", "Eve Walker"),
        ("relationship", "sibling"),
        ("kind", "rectification"),
        ("details", "Walk"),
        ("decision", "approve"),
        ("note", "Walk"),
        ("pulse", "80"),
        ("temperature_c", "37"),
        ("channel", "email"),
        ("subject", "Walk"),
        ("category", "other"),
        ("given_name", "Changed"),
        ("family_name", "Changed"),
        ("sex", "female"),
        ("birth_date", "1970-05-01"),
        ("merged", other.as_str()),
        ("substance", "Latex"),
        ("severity", "mild"),
        ("icd_code", "J45.909"),
        ("dose", "1"),
    ])
    .unwrap();
    let api_body = json!({
        "status": "resolved", "title": "Walk", "body": "Written through a spelled id", "sign": true,
        "icd_code": "J45.909", "substance_code": "latex", "severity": "mild", "temperature_c": 37.0,
        "pulse": 80, "name": "Aspirin", "dose": "1", "route": "oral", "frequency": "daily",
        "kind": "telephone", "reason": "Walk", "merged": other,
    });
    let (mp_type, mp_body) = multipart(&[("title", "Walk"), ("category", "other"), ("comment", "Walk")]);

    let mut before = fingerprint(&app).await;
    let mut refused = 0;
    for template in &pages {
        let mut reqs = Vec::new();
        for spelled in spellings(&pid) {
            let path = fill(template, &spelled, &items);
            reqs.push(("GET", app.builder(Method::GET, &path).body(Body::empty()).unwrap()));
            let post = || app.builder(Method::POST, &path).header("x-csrf-token", &csrf);
            let form_req = post().header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            reqs.push(("POST form", form_req.body(Body::from(form.clone())).unwrap()));
            let mp_req = post().header(header::CONTENT_TYPE, &mp_type);
            reqs.push(("POST multipart", mp_req.body(Body::from(mp_body.clone())).unwrap()));
        }
        let mut routed = false;
        for (how, path, r) in send_all(&app, reqs).await {
            let ok = match r.status {
                StatusCode::SEE_OTHER => r.location() == format!("/patients/{pid}"),
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => true,
                // A NUL is refused at the edge (input guard), before any route.
                StatusCode::BAD_REQUEST => path.contains("%00"),
                // The patient page itself offers break-glass; break-glass needs a reason.
                StatusCode::FORBIDDEN => template == "/patients/{id}" && r.body.contains("Break the glass"),
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    template == "/patients/{id}/break-glass"
                }
                _ => false,
            };
            assert!(
                ok,
                "{how} {path} ({template}): {} {} {}",
                r.status,
                r.location(),
                &r.body[..r.body.len().min(300)]
            );
            routed |= r.status != StatusCode::METHOD_NOT_ALLOWED;
            refused += 1;
        }
        let after = fingerprint(&app).await;
        assert_eq!(after, before, "{template}: something was written");
        before = after;
        assert!(routed, "{template}: no method answered");
    }
    for template in &apis {
        // Thousands of calls in a minute would meet the per-user API rate limit.
        sqlx::query("DELETE FROM rate_limits").execute(&app.pool).await.unwrap();
        let mut reqs = Vec::new();
        for spelled in spellings(&pid) {
            let path = fill(template, &spelled, &items);
            let call = |method: Method| {
                Request::builder().method(method).uri(&path).header(header::AUTHORIZATION, format!("Bearer {token}"))
            };
            let json_body = |v: &serde_json::Value| Body::from(v.to_string());
            let json_type = (header::CONTENT_TYPE, "application/json");
            reqs.push(("GET", call(Method::GET).body(Body::empty()).unwrap()));
            reqs.push(("DELETE", call(Method::DELETE).body(Body::empty()).unwrap()));
            reqs.push((
                "POST",
                call(Method::POST).header(json_type.0.clone(), json_type.1).body(json_body(&api_body)).unwrap(),
            ));
            reqs.push((
                "PUT",
                call(Method::PUT).header(json_type.0.clone(), json_type.1).body(json_body(&api_body)).unwrap(),
            ));
            let patch = json!({"given_name": "Changed"});
            reqs.push((
                "PATCH",
                call(Method::PATCH).header(json_type.0.clone(), json_type.1).body(json_body(&patch)).unwrap(),
            ));
            let mp_req = call(Method::POST).header(header::CONTENT_TYPE, &mp_type);
            reqs.push(("POST multipart", mp_req.body(Body::from(mp_body.clone())).unwrap()));
        }
        let mut routed = false;
        for (how, path, r) in send_all(&app, reqs).await {
            let ok = matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED)
                || (r.status == StatusCode::BAD_REQUEST && path.contains("%00"));
            assert!(ok, "{how} {path} ({template}): {} {}", r.status, &r.body[..r.body.len().min(300)]);
            routed |= r.status != StatusCode::METHOD_NOT_ALLOWED;
            refused += 1;
        }
        let after = fingerprint(&app).await;
        assert_eq!(after, before, "{template}: something was written");
        before = after;
        assert!(routed, "{template}: no method answered");
    }
    assert!(refused > 1000, "{refused} requests");
    assert!(is_restricted(&app, &pid).await);
    assert!(!care_team(&app, &pid).await.contains(&doctor_id));

    // The same spellings reach the record for someone entitled to it: the check and the
    // handler decode the id the same way.
    for spelled in [pid.replace('-', "%2D"), pid.to_uppercase(), format!("urn:uuid:{pid}")] {
        let r = admin.get(&format!("/patients/{spelled}/chart")).await;
        assert_eq!(r.status, StatusCode::OK, "{spelled}");
        assert!(r.body.contains("Walker, Vera"), "{spelled}");
    }
}

/// Finding 2: emergency (break-glass) access cannot be used to change who may see the record,
/// and it ends when the grant expires.
#[tokio::test]
async fn break_glass_cannot_change_who_may_see_the_record() {
    let mut app = TestApp::new().await;
    let admin = app.user("super_admin").await;
    app.login(&admin, PASSWORD).await;
    let pid = register(&mut app, "Grace").await;
    let r = app.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let team_before = care_team(&app, &pid).await;

    let (mut doc, doc_email) = signed_in_as(&app, "doctor").await;
    let r = doc
        .post_form(
            &format!("/patients/{pid}/break-glass"),
            &[("reason_code", "emergency_treatment"), ("reason", "Collapsed in the ED, need the history")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(doc.get(&format!("/patients/{pid}/chart")).await.status, StatusCode::OK, "emergency access works");

    // During the grant: not onto the care team (self or anyone), not lifting the restriction.
    let r = doc.post_form(&format!("/patients/{pid}/care-team"), &[("email", &doc_email), ("role", "me")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let colleague = app.user("nurse").await;
    let r = doc.post_form(&format!("/patients/{pid}/care-team"), &[("email", &colleague), ("role", "ward")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = doc.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "false")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(is_restricted(&app, &pid).await);
    assert_eq!(care_team(&app, &pid).await, team_before);
    assert_eq!(app.audit_count("patient.care_team.add").await, 0);
    assert_eq!(app.audit_count("patient.restricted").await, 1, "only the admin's restriction");
    let page = doc.get(&format!("/patients/{pid}")).await;
    assert!(!page.body.contains("Add to care team") && !page.body.contains("Lift restriction"), "not offered");

    // After the grant lapses: no access at all.
    sqlx::query("UPDATE patient_break_glass SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = doc.get(&format!("/patients/{pid}/chart")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/patients/{pid}"));
    assert_eq!(doc.get(&format!("/patients/{pid}")).await.status, StatusCode::FORBIDDEN);
    let token = doc.api_token(&doc_email).await;
    let r = doc.api(Method::GET, &format!("/api/v1/patients/{pid}"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Finding 6: restricting, lifting a restriction and the care team need `patients.restricted`,
/// not `patients.write`.
#[tokio::test]
async fn restricting_and_the_care_team_need_patients_restricted() {
    let mut app = TestApp::new().await;
    let nurse = app.user("nurse").await;
    app.login(&nurse, PASSWORD).await;
    let pid = register(&mut app, "Ivy").await;
    let colleague = app.user("doctor").await;

    // A patients.write holder without patients.restricted: 403, nothing changes.
    let r = app.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!is_restricted(&app, &pid).await);
    let r = app.post_form(&format!("/patients/{pid}/care-team"), &[("email", &colleague), ("role", "GP")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(care_team(&app, &pid).await.is_empty());
    let page = app.get(&format!("/patients/{pid}")).await;
    assert!(page.body.contains("Walker, Ivy"));
    assert!(!page.body.contains("Restrict this record") && !page.body.contains("Add to care team"), "not offered");

    // A holder of patients.restricted (super admin by default) restricts, manages the team and lifts it.
    let (mut sa, _) = signed_in_as(&app, "super_admin").await;
    assert!(sa.get(&format!("/patients/{pid}")).await.body.contains("Restrict this record"));
    let r = sa.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(is_restricted(&app, &pid).await);
    let r = sa.post_form(&format!("/patients/{pid}/care-team"), &[("email", &colleague), ("role", "GP")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let colleague_id = user_id(&app, &colleague).await;
    assert_eq!(care_team(&app, &pid).await, vec![colleague_id]);
    // The care team member may open the record but not manage its team or restriction.
    let mut gp = app.another_client();
    gp.login(&colleague, PASSWORD).await;
    assert_eq!(gp.get(&format!("/patients/{pid}/chart")).await.status, StatusCode::OK);
    let r = gp.post_form(&format!("/patients/{pid}/care-team"), &[("remove", &colleague_id.to_string())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = gp.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "false")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(is_restricted(&app, &pid).await);
    assert_eq!(care_team(&app, &pid).await, vec![colleague_id]);
    // A role given patients.restricted may.
    sqlx::query("INSERT INTO role_permissions (role_code, permission_code) VALUES ('nurse', 'patients.restricted')")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "false")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!is_restricted(&app, &pid).await);
    assert_eq!(app.audit_count("patient.restricted").await, 2);
}

/// Finding 7: signing is the author's act, on the page and in the API.
#[tokio::test]
async fn only_the_author_signs_a_note() {
    let mut app = TestApp::new().await;
    let author = app.user("doctor").await;
    app.login(&author, PASSWORD).await;
    let pid = register(&mut app, "Nora").await;
    let r = app
        .post_form(
            &format!("/patients/{pid}/notes"),
            &[("template", "free"), ("title", "Draft"), ("body", "Seen today.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let note = r.location().to_string();
    let nid = note.rsplit('/').next().unwrap().to_string();
    let status = |app: &TestApp| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, String>("SELECT status FROM notes").fetch_one(&pool).await.unwrap() }
    };

    let (mut second, second_email) = signed_in_as(&app, "doctor").await;
    let page = second.get(&note).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/sign\""), "no sign button for someone else's draft");
    let r = second.post_form(&format!("{note}/sign"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(status(&app).await, "draft");
    let token = second.api_token(&second_email).await;
    let r = second.api(Method::POST, &format!("/api/v1/patients/{pid}/notes/{nid}/sign"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(status(&app).await, "draft");
    assert_eq!(app.audit_count("note.sign").await, 0);

    // The author sees the button and signs.
    assert!(app.get(&note).await.body.contains(&format!("{nid}/sign\"")));
    let r = app.post_form(&format!("{note}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status(&app).await, "signed");
    let signer: uuid::Uuid = sqlx::query_scalar("SELECT signed_by FROM notes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(signer, user_id(&app, &author).await);
    assert_eq!(app.audit_count("note.sign").await, 1);
}
