use axum::http::StatusCode;
use hearth::platform::crypto::KeyRing;
use hearth::platform::keys;

use crate::helpers::*;

const PHONE: &str = "+44 7700 900123";
const NATIONAL_ID: &str = "QQ123456C";
const ADDRESS: &str = "221B Baker Street";
const EMAIL: &str = "edith.cavell@example.org";
const INSURANCE: &str = "POLICY-99887766";
const EC_PHONE: &str = "+44 7700 900777";

async fn register(app: &mut TestApp) -> String {
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "Edith"),
                ("family_name", "Cavell"),
                ("sex", "female"),
                ("birth_date", "1965-12-04"),
                ("phone", PHONE),
                ("national_id", NATIONAL_ID),
                ("address", ADDRESS),
                ("email", EMAIL),
                ("insurance_number", INSURANCE),
                ("emergency_name", "Jack Cavell"),
                ("emergency_phone", EC_PHONE),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_string()
}

#[tokio::test]
async fn encrypted_columns_hold_no_plaintext() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let loc = register(&mut app).await;
    for c in hearth::REGISTRY.encrypted_columns() {
        let (table, col) = (c.table, c.column);
        let hits: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE position(convert_to($1, 'UTF8') in {col}) > 0 OR position(convert_to($2, 'UTF8') in {col}) > 0 OR position(convert_to($3, 'UTF8') in {col}) > 0 OR position(convert_to('7700900123', 'UTF8') in {col}) > 0 OR position(convert_to($4, 'UTF8') in {col}) > 0 OR position(convert_to($5, 'UTF8') in {col}) > 0 OR position(convert_to($6, 'UTF8') in {col}) > 0"
        ))
        .bind(PHONE)
        .bind(NATIONAL_ID)
        .bind(ADDRESS)
        .bind(EMAIL)
        .bind(INSURANCE)
        .bind(EC_PHONE)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(hits, 0, "{table}.{col} holds plaintext");
    }
    // Nowhere else either: not in any text column of the row, nor in the audit log.
    let row_text: String = sqlx::query_scalar("SELECT p::text FROM patients p").fetch_one(&app.pool).await.unwrap();
    assert!(!row_text.contains(NATIONAL_ID) && !row_text.contains("900123") && !row_text.contains("Baker"));
    assert!(!row_text.contains("cavell@") && !row_text.contains("99887766"));
    let ec_text: String = sqlx::query_scalar("SELECT string_agg(e::text, ' ') FROM patient_emergency_contacts e")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(ec_text.contains("Jack Cavell") && !ec_text.contains("900777"));
    let audit_text: String =
        sqlx::query_scalar("SELECT string_agg(a::text, ' ') FROM audit_events a").fetch_one(&app.pool).await.unwrap();
    assert!(!audit_text.contains(NATIONAL_ID) && !audit_text.contains("900123") && !audit_text.contains("Baker"));
    assert!(!audit_text.contains("cavell@") && !audit_text.contains("99887766") && !audit_text.contains("900777"));
    // And the chart decrypts them for an authorised reader.
    let page = app.get(&loc).await;
    assert!(page.body.contains(PHONE) && page.body.contains(NATIONAL_ID) && page.body.contains(ADDRESS));
    assert!(page.body.contains(EMAIL) && page.body.contains(INSURANCE) && page.body.contains(EC_PHONE));
}

#[tokio::test]
async fn blind_index_finds_exact_phone_and_national_id() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    register(&mut app).await;
    let by_phone = app.get("/patients?q=%2B447700900123").await;
    assert!(by_phone.body.contains("Cavell, Edith"), "{}", by_phone.body);
    let by_id = app.get("/patients?q=qq-123456-c").await;
    assert!(by_id.body.contains("Cavell, Edith"));
    let near = app.get("/patients?q=%2B447700900124").await;
    assert!(!near.body.contains("Cavell, Edith"));
}

#[tokio::test]
async fn key_rotation_reencrypts_everything() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let loc = register(&mut app).await;
    for i in 0..3 {
        let r = app
            .post_form(
                "/patients",
                &[
                    ("given_name", "P"),
                    ("family_name", &format!("Rot{i}")),
                    ("sex", "male"),
                    ("age_years", &(30 + i).to_string()),
                    ("phone", &format!("+1555000{i:04}")),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let v = keys::activate_next(&app.pool).await.unwrap();
    assert_eq!(v, 2);
    let n = keys::reencrypt_all(&app.pool, &app.state.keys, &hearth::REGISTRY, v, |_, _, _| {}).await.unwrap();
    assert_eq!(n, 4 + 1 + 1 + 1 + 1 + 1, "4 phones, 1 national id, 1 address, 1 email, 1 insurance, 1 emergency phone");
    let blobs: Vec<Vec<u8>> = sqlx::query_scalar("SELECT phone_enc FROM patients WHERE phone_enc IS NOT NULL")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(blobs.iter().all(|b| KeyRing::version_of(b) == Some(2)));
    // Still readable and searchable; a second run has nothing left to do.
    app.state.refresh_key_version().await;
    assert_eq!(app.state.keys.active_version(), 2);
    assert!(app.get(&loc).await.body.contains(PHONE));
    assert!(app.get("/patients?q=%2B447700900123").await.body.contains("Cavell"));
    assert_eq!(keys::reencrypt_all(&app.pool, &app.state.keys, &hearth::REGISTRY, v, |_, _, _| {}).await.unwrap(), 0);
    assert_eq!(app.audit_count("keys.rotate").await, 1);
}
