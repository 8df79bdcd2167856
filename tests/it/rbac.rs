use axum::http::StatusCode;

use crate::helpers::*;

/// For every role, a route it may not use, answered with 403 (pages) — and nothing changes.
#[tokio::test]
async fn each_role_is_refused_a_forbidden_route() {
    let forbidden: &[(&str, &str, &str)] = &[
        ("hospital_admin", "GET", "/admin/roles"),
        ("doctor", "GET", "/admin/users"),
        ("nurse", "GET", "/audit"),
        ("receptionist", "GET", "/admin/facilities"),
        ("pharmacist", "POST", "/patients"),
        ("lab_technician", "GET", "/patients/new"),
        ("radiologist", "POST", "/admin/users"),
        ("billing_clerk", "POST", "/patients"),
        ("ed_coordinator", "GET", "/audit/export.csv"),
    ];
    for role in ALL_ROLES.iter().filter(|r| **r != "super_admin") {
        assert!(forbidden.iter().any(|(r, _, _)| r == role), "{role} has no forbidden route in this test");
    }
    let mut app = TestApp::new().await;
    for (role, method, path) in forbidden {
        let email = app.user(role).await;
        let mut client = app.another_client();
        client.login(&email, PASSWORD).await;
        let res = if *method == "GET" {
            client.get(path).await
        } else {
            client
                .post_form(
                    path,
                    &[
                        ("given_name", "X"),
                        ("family_name", "Y"),
                        ("sex", "male"),
                        ("email", "new@x.y"),
                        ("display_name", "N"),
                        ("roles", "doctor"),
                    ],
                )
                .await
        };
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{role} {method} {path}");
        assert!(res.body.contains("Your role does not allow this"), "{role}: friendly 403 page");
    }
    assert_eq!(app.patient_count().await, 0);
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'new@x.y'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(users, 0);
    app.cookies.clear();
}

#[tokio::test]
async fn super_admin_reaches_every_admin_page() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    for path in [
        "/admin/users",
        "/admin/users/new",
        "/admin/roles",
        "/admin/facilities",
        "/audit",
        "/patients",
        "/patients/new",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn navigation_shows_only_what_the_role_may_do() {
    let (mut app, _) = TestApp::signed_in("pharmacist").await;
    let home = app.get("/").await;
    assert!(home.body.contains("href=\"/patients\""));
    assert!(!home.body.contains("href=\"/admin/users\""));
    assert!(!home.body.contains("href=\"/audit\""));
    assert!(!home.body.contains("Register a patient"));
    let (mut admin, _) = TestApp::signed_in("super_admin").await;
    let home = admin.get("/").await;
    for link in ["/admin/users", "/admin/roles", "/admin/facilities", "/audit"] {
        assert!(home.body.contains(&format!("href=\"{link}\"")), "{link}");
    }
}

#[tokio::test]
async fn role_permission_map_is_editable_and_takes_effect() {
    let mut app = TestApp::new().await;
    let admin = app.user("super_admin").await;
    let pharm = app.user("pharmacist").await;
    let mut p = app.another_client();
    p.login(&pharm, PASSWORD).await;
    assert_eq!(p.get("/patients/new").await.status, StatusCode::FORBIDDEN);
    app.login(&admin, PASSWORD).await;
    // Grant patients.write to pharmacists, keep everything else as it is.
    let current: Vec<(String, String)> =
        sqlx::query_as("SELECT role_code, permission_code FROM role_permissions").fetch_all(&app.pool).await.unwrap();
    let mut fields: Vec<(String, String)> =
        current.iter().map(|(r, p)| ("grant".to_string(), format!("{r}:{p}"))).collect();
    fields.push(("grant".into(), "pharmacist:patients.write".into()));
    let refs: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post_form("/admin/roles", &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(p.get("/patients/new").await.status, StatusCode::OK, "takes effect on the next request");
    assert_eq!(app.audit_count("roles.update").await, 1);
    // Unknown codes are refused and change nothing.
    let r = app.post_form("/admin/roles", &[("grant", "pharmacist:rockets.launch")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.get("/patients/new").await.status, StatusCode::OK);
    // Hospital admins may not edit the map.
    let ha = app.user("hospital_admin").await;
    let mut h = app.another_client();
    h.login(&ha, PASSWORD).await;
    assert_eq!(h.post_form("/admin/roles", &[]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admin_creates_users_and_hospital_admin_cannot_grant_super_admin() {
    let (mut app, _) = TestApp::signed_in("hospital_admin").await;
    let fac = app.facility_id.to_string();
    let r = app
        .post_form(
            "/admin/users",
            &[
                ("email", "new.doc@test.hearth"),
                ("display_name", "New Doc"),
                // Only roles whose permissions the hospital admin holds (see sec_auth.rs).
                ("roles", "billing_clerk"),
                ("roles", "hospital_admin"),
                ("facilities", &fac),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Temporary password"));
    let roles: Vec<String> = sqlx::query_scalar("SELECT role_code FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.email = 'new.doc@test.hearth' ORDER BY 1")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(roles, ["billing_clerk", "hospital_admin"]);
    let r = app
        .post_form("/admin/users", &[("email", "sneaky@test.hearth"), ("display_name", "S"), ("roles", "super_admin")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form("/admin/users", &[("email", "new.doc@test.hearth"), ("display_name", "Dup"), ("roles", "doctor")])
        .await;
    assert!(r.body.contains("already exists"));
    let r = app.post_form("/admin/users", &[("email", "bad"), ("display_name", ""), ("roles", "doctor")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("valid email"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 2);
    assert_eq!(app.audit_count("user.create").await, 2);
}

#[tokio::test]
async fn facilities_and_departments() {
    let (mut app, _) = TestApp::signed_in("hospital_admin").await;
    let r = app
        .post_form(
            "/admin/facilities",
            &[("code", "nth"), ("name", "North Hospital"), ("timezone", "Europe/Oslo"), ("address", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location().to_string();
    let r = app.post_form("/admin/facilities", &[("code", "NTH"), ("name", "Again"), ("timezone", "UTC")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Another facility has this code"));
    let r = app
        .post_form("/admin/facilities", &[("code", "STH"), ("name", "South"), ("timezone", "Europe/Atlantis")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter a time zone name"));
    let r = app.post_form(&format!("{loc}/departments"), &[("code", "icu"), ("name", "Intensive Care")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&loc).await;
    assert!(page.body.contains("Intensive Care") && page.body.contains("ICU"));
    let r = app.post_form(&format!("{loc}/departments"), &[("code", "ICU"), ("name", "Twice")]).await;
    let page = app.get(r.location()).await;
    assert!(page.body.contains("already has a department"));
    let r = app.post_form(&format!("{loc}/active"), &[("active", "false"), ("department", "ICU")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.post_form(&format!("{loc}/active"), &[("active", "false")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&loc).await;
    assert!(page.body.contains("Reopen facility") && page.body.contains("Reopen ICU"));
    assert_eq!(app.post_form(&format!("{loc}/active"), &[("active", "maybe")]).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.audit_count("department.close").await, 1);
    assert_eq!(app.audit_count("facility.close").await, 1);
    // A closed facility is no longer offered when assigning users.
    assert!(!app.get("/admin/users/new").await.body.contains("North Hospital"));
    assert_eq!(app.audit_count("facility.create").await, 1);
    assert_eq!(app.audit_count("department.create").await, 1);
}
