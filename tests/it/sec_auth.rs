//! Issue 10, findings 3, 4, 8 and 13: granting roles, one lockout rule for every second-factor
//! path, `next=` redirects, API tokens against the security stamp, the CSRF token of multipart
//! forms, HSTS only over HTTPS, and the structural PDF check.

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use hearth::platform::auth::mfa;
use uuid::Uuid;

use crate::helpers::*;
use crate::mfa::{enrol, password_step};

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

async fn roles_of(app: &TestApp, id: Uuid) -> Vec<String> {
    sqlx::query_scalar("SELECT role_code FROM user_roles WHERE user_id = $1 ORDER BY 1")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn token_request(app: &mut TestApp, email: &str, totp: Option<&str>) -> TestResponse {
    let mut body = serde_json::json!({"email": email, "password": PASSWORD});
    if let Some(t) = totp {
        body["totp"] = t.into();
    }
    app.api(Method::POST, "/api/v1/auth/token", None, Some(body)).await
}

async fn failed_logins(app: &TestApp, id: Uuid) -> (i32, bool) {
    sqlx::query_as("SELECT failed_logins, coalesce(locked_until > now(), false) FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

// ------------------------------------------------------------------ finding 3: granting roles

#[tokio::test]
async fn a_hospital_admin_cannot_grant_themselves_or_others_clinical_roles() {
    let (mut admin, email) = TestApp::signed_in("hospital_admin").await;
    let me = user_id(&admin, &email).await;
    let fac = admin.facility_id.to_string();

    // The forged self-grant of the report: refused with a message, nothing changes.
    let r = admin
        .post_form(
            &format!("/admin/users/{me}"),
            &[("display_name", "Admin"), ("roles", "hospital_admin"), ("roles", "doctor"), ("facilities", &fac)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("You cannot change your own roles"), "{}", r.body);
    assert_eq!(roles_of(&admin, me).await, ["hospital_admin"]);
    assert_eq!(admin.audit_count("user.update").await, 0);
    assert_eq!(admin.get("/icd10").await.status, StatusCode::FORBIDDEN, "still no chart permission");

    // Nor for anyone else: doctor carries chart.* and notes.sign, which a hospital admin lacks.
    let clerk = admin.user("billing_clerk").await;
    let clerk_id = user_id(&admin, &clerk).await;
    let r =
        admin.post_form(&format!("/admin/users/{clerk_id}"), &[("display_name", "Clerk"), ("roles", "doctor")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("You may not grant or remove the role Doctor"), "{}", r.body);
    assert_eq!(roles_of(&admin, clerk_id).await, ["billing_clerk"]);

    // The creation path too: no user is created.
    let r = admin
        .post_form("/admin/users", &[("email", "new.doc@test.hearth"), ("display_name", "Doc"), ("roles", "nurse")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("You may not grant or remove the role Nurse"), "{}", r.body);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'new.doc@test.hearth'")
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // The pages offer only grantable roles (billing clerk: patients.read only), and on one's own
    // page no role at all.
    let form = admin.get("/admin/users/new").await.body;
    assert!(form.contains("name=\"roles\" value=\"billing_clerk\""), "{form}");
    for r in ["doctor", "nurse", "receptionist", "super_admin"] {
        assert!(!form.contains(&format!("value=\"{r}\"")), "{r} offered");
    }
    let own = admin.get(&format!("/admin/users/{me}")).await.body;
    assert!(own.contains("You cannot change your own roles"));
    assert!(!own.contains("type=\"checkbox\" name=\"roles\""), "no editable role on one's own page");

    // What the admin may grant still works: billing clerk for a new user.
    let r = admin
        .post_form(
            "/admin/users",
            &[("email", "clerk2@test.hearth"), ("display_name", "Clerk 2"), ("roles", "billing_clerk")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_role_the_actor_cannot_grant_is_kept_on_edit_but_not_removable() {
    let mut app = TestApp::new().await;
    let ha = app.user("hospital_admin").await;
    let doc = app.user("doctor").await;
    let doc_id = user_id(&app, &doc).await;
    app.login(&ha, PASSWORD).await;
    // The page shows the doctor role as fixed, and saving the form keeps it.
    let page = app.get(&format!("/admin/users/{doc_id}")).await.body;
    assert!(page.contains("(you cannot change this role)"), "{page}");
    assert!(page.contains("type=\"hidden\" name=\"roles\" value=\"doctor\""));
    let r =
        app.post_form(&format!("/admin/users/{doc_id}"), &[("display_name", "Dr Renamed"), ("roles", "doctor")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Taking it away is refused as well.
    let r = app
        .post_form(&format!("/admin/users/{doc_id}"), &[("display_name", "Dr Renamed"), ("roles", "billing_clerk")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(roles_of(&app, doc_id).await, ["doctor"]);
}

#[tokio::test]
async fn super_admins_grant_roles_but_not_to_themselves_and_a_change_ends_sessions_and_tokens() {
    let (mut admin, email) = TestApp::signed_in("super_admin").await;
    let me = user_id(&admin, &email).await;
    let r = admin
        .post_form(
            &format!("/admin/users/{me}"),
            &[("display_name", "Root"), ("roles", "super_admin"), ("roles", "doctor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(roles_of(&admin, me).await, ["super_admin"]);

    let nurse = admin.user("nurse").await;
    let nurse_id = user_id(&admin, &nurse).await;
    let mut n = admin.another_client();
    n.login(&nurse, PASSWORD).await;
    let token = n.api_token(&nurse).await;
    assert_eq!(n.api(Method::GET, "/api/v1/me", Some(&token), None).await.status, StatusCode::OK);
    let r =
        admin.post_form(&format!("/admin/users/{nurse_id}"), &[("display_name", "Nurse"), ("roles", "doctor")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(roles_of(&admin, nurse_id).await, ["doctor"]);
    assert!(n.get("/").await.location().starts_with("/login"), "browser session ended");
    let r = n.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "API token issued before the change refused");
    let fresh = n.api_token(&nurse).await;
    assert_eq!(n.api(Method::GET, "/api/v1/me", Some(&fresh), None).await.status, StatusCode::OK);
    // Saving without a role change leaves sessions alone.
    n.login(&nurse, PASSWORD).await;
    let r = admin
        .post_form(&format!("/admin/users/{nurse_id}"), &[("display_name", "Dr Nurse"), ("roles", "doctor")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(n.get("/").await.status, StatusCode::OK);
    assert_eq!(n.api(Method::GET, "/api/v1/me", Some(&fresh), None).await.status, StatusCode::OK);
}

// ------------------------------------------------------------------ finding 4: one lockout rule

#[tokio::test]
async fn wrong_totp_codes_on_the_api_lock_the_account_as_the_mfa_page_does() {
    let app = TestApp::new().await;
    let api_user = app.user("doctor").await;
    let web_user = app.user("doctor").await;
    let (api_id, web_id) = (user_id(&app, &api_user).await, user_id(&app, &web_user).await);
    let mut a = app.another_client();
    a.login(&api_user, PASSWORD).await;
    let (secret, _) = enrol(&mut a).await;
    let mut w = app.another_client();
    w.login(&web_user, PASSWORD).await;
    enrol(&mut w).await;

    // THRESHOLD - 1 wrong codes on each path, each after a correct password: counted, not reset.
    for i in 1..LOCKOUT {
        let r = token_request(&mut a, &api_user, Some("000000")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let mut b = app.another_client();
        password_step(&mut b, &web_user).await;
        assert_eq!(b.post_form("/mfa", &[("code", "000000")]).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(failed_logins(&app, api_id).await, (i, false), "API failure {i} counted");
        assert_eq!(failed_logins(&app, web_id).await, (i, false), "/mfa failure {i} counted");
    }
    // A correct password alone (no code yet) does not reset the count on either path.
    let r = token_request(&mut a, &api_user, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut b = app.another_client();
    password_step(&mut b, &web_user).await;
    assert_eq!(failed_logins(&app, api_id).await, (LOCKOUT - 1, false));
    assert_eq!(failed_logins(&app, web_id).await, (LOCKOUT - 1, false));
    // The next wrong code locks both accounts.
    assert_eq!(token_request(&mut a, &api_user, Some("000000")).await.status, StatusCode::UNAUTHORIZED);
    let r = b.post_form("/mfa", &[("code", "000000")]).await;
    assert_eq!(r.location(), "/login");
    assert!(failed_logins(&app, api_id).await.1, "API path locked");
    assert!(failed_logins(&app, web_id).await.1, "/mfa path locked");
    assert_eq!(app.audit_count("auth.lockout").await, 2);
    // Locked: even the right password and code get no token.
    let code = mfa::code_at(&secret, mfa::now_secs() + mfa::STEP);
    let r = token_request(&mut a, &api_user, Some(&code)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_complete_sign_in_resets_the_count_and_a_pending_session_checks_no_code_while_locked() {
    let app = TestApp::new().await;
    let email = app.user("doctor").await;
    let id = user_id(&app, &email).await;
    let mut d = app.another_client();
    d.login(&email, PASSWORD).await;
    let (secret, _) = enrol(&mut d).await;
    assert_eq!(token_request(&mut d, &email, Some("000000")).await.status, StatusCode::UNAUTHORIZED);
    let code = mfa::code_at(&secret, mfa::now_secs() + mfa::STEP);
    assert_eq!(token_request(&mut d, &email, Some(&code)).await.status, StatusCode::OK);
    assert_eq!(failed_logins(&app, id).await, (0, false), "reset by the completed sign-in");

    // A second pending browser sign-in, opened before the account is locked elsewhere, cannot
    // go on guessing codes during the lock.
    let mut pending = app.another_client();
    password_step(&mut pending, &email).await;
    for _ in 0..LOCKOUT {
        token_request(&mut d, &email, Some("000000")).await;
    }
    assert!(failed_logins(&app, id).await.1);
    // A code that would be accepted but for the lock.
    sqlx::query("UPDATE users SET totp_last_step = 0 WHERE id = $1").bind(id).execute(&app.pool).await.unwrap();
    let good = mfa::code_at(&secret, mfa::now_secs());
    let r = pending.post_form("/mfa", &[("code", &good)]).await;
    assert_eq!(r.location(), "/login", "a locked account completes no sign-in");
    assert!(pending.get("/patients").await.location().starts_with("/login"));
}

const LOCKOUT: i32 = hearth::platform::auth::lockout::THRESHOLD;

// ------------------------------------------------------------------ finding 8: next=

const BAD_NEXT: [&str; 8] = [
    "/\t/evil.example",
    "/\\evil.example",
    "\r\n",
    "/\r\nX-Evil: 1",
    "//evil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "https://evil.example",
];

#[tokio::test]
async fn login_next_accepts_only_same_origin_paths_and_never_fails_after_sign_in() {
    let app = TestApp::new().await;
    let email = app.user("nurse").await;
    for bad in BAD_NEXT {
        let mut c = app.another_client();
        let r = c.post_form("/login", &[("email", &email), ("password", PASSWORD), ("next", bad)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{bad:?}");
        assert_eq!(r.location(), "/", "{bad:?}");
        assert_eq!(c.get("/").await.status, StatusCode::OK, "signed in despite {bad:?}");
    }
    // The raw query spellings of the report.
    for q in
        ["next=/%09/evil.example", "next=%0d%0a", "next=/%5Cevil.example", "next=//evil.example", "next=/%250d%250a"]
    {
        let mut c = app.another_client();
        let page = c.get(&format!("/login?{q}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"next\" value=\"/\""), "{q}: {}", page.body);
    }
    // A good one is kept.
    let mut c = app.another_client();
    let r = c.post_form("/login", &[("email", &email), ("password", PASSWORD), ("next", "/patients?q=ada")]).await;
    assert_eq!(r.location(), "/patients?q=ada");
}

#[tokio::test]
async fn mfa_next_accepts_only_same_origin_paths() {
    let mut app = TestApp::new().await;
    let email = app.user("nurse").await;
    app.login(&email, PASSWORD).await;
    let (secret, _) = enrol(&mut app).await;
    for bad in BAD_NEXT {
        let mut c = app.another_client();
        let r = c.post_form("/login", &[("email", &email), ("password", PASSWORD), ("next", bad)]).await;
        assert_eq!(r.location(), "/mfa?next=%2F", "{bad:?}");
        // Posted straight to /mfa (a forged form), it is refused as well. (Each code works once:
        // forget the last used step so the current code serves every round.)
        sqlx::query("UPDATE users SET totp_last_step = 0 WHERE email = $1")
            .bind(&email)
            .execute(&app.pool)
            .await
            .unwrap();
        let r = c.post_form("/mfa", &[("code", &mfa::code_at(&secret, mfa::now_secs())), ("next", bad)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{bad:?}: {}", r.body);
        assert_eq!(r.location(), "/", "{bad:?}");
        assert_eq!(c.get("/").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_notification_link_is_followed_only_to_a_same_origin_path() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let me = user_id(&app, &email).await;
    for bad in BAD_NEXT {
        let nid = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO notifications (id, user_id, kind, title, link) VALUES ($1, $2, 'system.message', 'Hi', $3)",
        )
        .bind(nid)
        .bind(me)
        .bind(bad)
        .execute(&app.pool)
        .await
        .unwrap();
        let r = app.get(&format!("/notifications/{nid}/open")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{bad:?}");
        assert_eq!(r.location(), "/", "{bad:?}");
    }
}

// ------------------------------------------------------------------ finding 13: security stamp

#[tokio::test]
async fn a_token_issued_before_deactivation_stays_dead_after_reactivation() {
    let (mut admin, _) = TestApp::signed_in("super_admin").await;
    let nurse = admin.user("nurse").await;
    let id = user_id(&admin, &nurse).await;
    let token = admin.api_token(&nurse).await;
    assert_eq!(admin.api(Method::GET, "/api/v1/me", Some(&token), None).await.status, StatusCode::OK);
    let r = admin.post_form(&format!("/admin/users/{id}/active"), &[("active", "false"), ("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin.post_form(&format!("/admin/users/{id}/active"), &[("active", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let reason: String = sqlx::query_scalar(
        "SELECT entity_id FROM audit_events WHERE action = 'security.bad_token' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&admin.pool)
    .await
    .unwrap();
    assert_eq!(reason, "stale_security_stamp");
    // A new token works.
    let fresh = admin.api_token(&nurse).await;
    assert_eq!(admin.api(Method::GET, "/api/v1/me", Some(&fresh), None).await.status, StatusCode::OK);

    // Password reset, MFA reset and "sign out everywhere" end tokens too.
    for action in ["revoke-sessions", "reset-mfa"] {
        let t = admin.api_token(&nurse).await;
        let r = admin.post_form(&format!("/admin/users/{id}/{action}"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}");
        assert_eq!(
            admin.api(Method::GET, "/api/v1/me", Some(&t), None).await.status,
            StatusCode::UNAUTHORIZED,
            "{action}"
        );
    }
    let t = admin.api_token(&nurse).await;
    assert_eq!(admin.post_form(&format!("/admin/users/{id}/reset-password"), &[]).await.status, StatusCode::OK);
    assert_eq!(admin.api(Method::GET, "/api/v1/me", Some(&t), None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_ones_password_ends_ones_api_tokens() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let token = app.api_token(&email).await;
    let new_pw = "Another-Horse-Battery-9";
    let r = app
        .post_form(
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", new_pw), ("confirm_password", new_pw)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
}

// ------------------------------------------------------------------ finding 13: multipart CSRF

/// A multipart POST with exactly this body and URI (no token added).
async fn raw_multipart(app: &mut TestApp, uri: &str, body: Vec<u8>) -> TestResponse {
    let req = app
        .builder(Method::POST, uri)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
        .body(Body::from(body))
        .unwrap();
    app.request(req).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn the_csrf_token_of_a_multipart_form_travels_first_in_the_body_never_in_the_query() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Archer"),
            ("sex", "female"),
            ("birth_date", "1970-05-01"),
        ])
        .await;
    let token = app.csrf().await;
    let pdf = crate::documents::pdf();
    let docs = format!("/patients/{pid}/documents");
    let fields = [("category", "other")];

    // The query-string token of the old forms: refused everywhere, and nothing is stored.
    let body = multipart_body(&fields, ("file", "a.pdf", &pdf));
    let r = raw_multipart(&mut app, &format!("{docs}?csrf_token={token}"), body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let csv = "given_name,family_name,sex\nGrace,Hopper,female\n";
    let r = raw_multipart(
        &mut app,
        &format!("/patients/import?csrf_token={token}"),
        multipart_body(&[], ("file", "p.csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Also on a route that reads no body at all.
    let victim = app.user("nurse").await;
    let vid = user_id(&app, &victim).await;
    let mut v = app.another_client();
    v.login(&victim, PASSWORD).await;
    let r = raw_multipart(
        &mut app,
        &format!("/admin/users/{vid}/revoke-sessions?csrf_token={token}"),
        multipart_body(&[], ("file", "x.txt", b"x")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(v.get("/").await.status, StatusCode::OK, "nothing happened");

    // In the body but after the file: refused, before the file is read.
    let body = multipart_body(&[], ("file", "a.pdf", &pdf));
    let mut late = body[..body.len() - format!("--{MULTIPART_BOUNDARY}--\r\n").len()].to_vec();
    late.extend_from_slice(
        format!("--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--{MULTIPART_BOUNDARY}--\r\n")
            .as_bytes(),
    );
    let r = raw_multipart(&mut app, &docs, late).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A wrong token first: refused.
    let r = raw_multipart(
        &mut app,
        &docs,
        multipart_body(&[("csrf_token", "forged"), ("category", "other")], ("file", "a.pdf", &pdf)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "documents").await, 0);
    assert_eq!(app.patient_count().await, 1);

    // First in the body, as the page's form sends it: accepted (documents, version, import, photo).
    let page = app.get(&docs).await.body;
    let form_at = page.find("enctype=\"multipart/form-data\"").unwrap();
    assert!(page[form_at..].find("name=\"csrf_token\"").unwrap() < page[form_at..].find("type=\"file\"").unwrap());
    assert!(!page.contains("?csrf_token="), "no token in a form action");
    let r = app.post_multipart(&docs, &fields, ("file", "a.pdf", &pdf), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let doc_url = r.location().to_string();
    let r = app.post_multipart(&format!("{doc_url}/versions"), &[], ("file", "b.pdf", &pdf), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_multipart("/patients/import", &[("mode", "all")], ("file", "p.csv", csv.as_bytes()), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.patient_count().await, 2);
    let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    let r = app.post_multipart(&format!("/patients/{pid}/photo"), &[], ("photo", "me.png", &png), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The header still works for scripts (htmx).
    let req = app
        .builder(Method::POST, &docs)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
        .header("x-csrf-token", &token)
        .body(Body::from(multipart_body(&fields, ("file", "c.pdf", &pdf))))
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "documents").await, 2);
}

// ------------------------------------------------------------------ finding 13: HSTS

#[tokio::test]
async fn hsts_only_over_https() {
    let mut demo = TestApp::with_config(&[("HEARTH_ENV", "demo"), ("HEARTH_BASE_URL", "http://127.0.0.1:8080")]).await;
    let r = demo.get("/login").await;
    assert!(!r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "demo over plain HTTP");
    let mut tls = TestApp::with_config(&[("HEARTH_ENV", "demo"), ("HEARTH_BASE_URL", "https://h.example")]).await;
    let r = tls.get("/login").await;
    assert_eq!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).unwrap(), "max-age=63072000; includeSubDomains");
    let mut prod =
        TestApp::with_config(&[("HEARTH_ENV", "production"), ("HEARTH_BASE_URL", "https://h.example")]).await;
    assert!(prod.get("/healthz").await.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
}

// ------------------------------------------------------------------ finding 13: PDF structure

#[tokio::test]
async fn a_pdf_upload_must_be_a_well_formed_pdf() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Archer"),
            ("sex", "female"),
            ("birth_date", "1970-05-01"),
        ])
        .await;
    let docs = format!("/patients/{pid}/documents");
    let fields = [("category", "other")];
    let good = crate::documents::pdf();
    // Otherwise well formed, but a web page as well.
    let mut polyglot = b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n".to_vec();
    polyglot.extend_from_slice(&good[9..]);
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("first-bytes-only.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>".to_vec(), "not a well-formed PDF"),
        ("polyglot.pdf", polyglot, "web page (HTML) markup"),
        ("truncated.pdf", good[..good.len() - 7].to_vec(), "end-of-file marker"),
        ("no-xref.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec(), "startxref"),
    ];
    for (name, bytes, why) in cases {
        let r = app.post_multipart(&docs, &fields, ("file", name, &bytes), true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.body.contains(why), "{name}: {}", r.body);
        assert!(r.body.contains("not a well-formed PDF"), "{name}");
    }
    // The API refuses them the same way.
    let token = app.api_token(&email).await;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/patients/{pid}/documents"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
        .body(Body::from(multipart_body(
            &[("title", "x"), ("category", "other")],
            ("file", "x.pdf", b"%PDF-1.4 <html>"),
        )))
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(count(&app, "documents").await, 0);
    assert_eq!(app.audit_count("document.upload").await, 0);
    // A well-formed one is stored.
    let r = app.post_multipart(&docs, &fields, ("file", "good.pdf", &good), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count(&app, "documents").await, 1);
}
