use axum::http::StatusCode;
use hearth::platform::audit::{self, AuditMeta, Event};
use sqlx::Executor;

use crate::helpers::*;

async fn write_events(app: &TestApp, n: usize) {
    for i in 0..n {
        audit::record_now(&app.pool, &AuditMeta::system("test"), Event::new("test.event", "thing", i)).await.unwrap();
    }
}

#[tokio::test]
async fn chain_verifies_and_rejects_update_and_delete() {
    let app = TestApp::new().await;
    write_events(&app, 5).await;
    let report = audit::verify(&app.pool).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.checked, 5);
    let e = sqlx::query("UPDATE audit_events SET action = 'x'").execute(&app.pool).await.unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = sqlx::query("DELETE FROM audit_events").execute(&app.pool).await.unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(sqlx::query("TRUNCATE audit_events").execute(&app.pool).await.is_err());
}

#[tokio::test]
async fn verify_names_a_tampered_event() {
    let app = TestApp::new().await;
    write_events(&app, 6).await;
    // Tampering is detectable once the events are sealed (the background sealer runs every 250 ms).
    audit::seal_all(&app.pool).await.unwrap();
    let third: i64 = sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id OFFSET 2 LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // A superuser who bypasses the trigger still cannot hide the change.
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update").await.unwrap();
    sqlx::query("UPDATE audit_events SET actor_label = 'someone else' WHERE id = $1")
        .bind(third)
        .execute(&mut *conn)
        .await
        .unwrap();
    let report = audit::verify(&app.pool).await.unwrap();
    let (id, why) = report.first_broken.expect("tampering detected");
    assert_eq!(id, third);
    assert!(why.contains("altered"));
    assert_eq!(report.checked, 2);
}

#[tokio::test]
async fn verify_detects_a_removed_event() {
    let app = TestApp::new().await;
    write_events(&app, 4).await;
    assert_eq!(audit::seal_all(&app.pool).await.unwrap(), 4);
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id").fetch_all(&app.pool).await.unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update").await.unwrap();
    sqlx::query("DELETE FROM audit_events WHERE id = $1").bind(ids[1]).execute(&mut *conn).await.unwrap();
    let (id, why) = audit::verify(&app.pool).await.unwrap().first_broken.unwrap();
    assert_eq!(id, ids[1]);
    assert!(why.contains("removed"), "{why}");
    // Removing its seal as well breaks the next event's link.
    conn.execute("ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update").await.unwrap();
    sqlx::query("DELETE FROM audit_seals WHERE event_id = $1").bind(ids[1]).execute(&mut *conn).await.unwrap();
    let (id, why) = audit::verify(&app.pool).await.unwrap().first_broken.unwrap();
    assert_eq!(id, ids[2]);
    assert!(why.contains("link"), "{why}");
}

#[tokio::test]
async fn events_are_sealed_after_commit_and_none_escapes() {
    let app = TestApp::new().await;
    write_events(&app, 3).await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_unsealed").fetch_one(&app.pool).await.unwrap();
    assert_eq!(queued, 3, "written without a hash, queued for the sealer");
    // A rolled-back event is never queued.
    let mut tx = app.pool.begin().await.unwrap();
    audit::record(&mut tx, &AuditMeta::system("t"), Event::new("test.rollback", "thing", 1)).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(audit::seal(&app.pool, 2, false).await.unwrap(), Some(2), "batches are bounded");
    assert_eq!(audit::seal_all(&app.pool).await.unwrap(), 1);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_unsealed").fetch_one(&app.pool).await.unwrap();
    assert_eq!(queued, 0);
    // Seals are append-only like the events.
    let e = sqlx::query("UPDATE audit_seals SET hash = '\\x00'").execute(&app.pool).await.unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    // An event written around the queue (trigger disabled) is reported as never sealed.
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_enqueue").await.unwrap();
    audit::record(&mut conn, &AuditMeta::system("t"), Event::new("test.sneaky", "thing", 1)).await.unwrap();
    let report = audit::verify(&app.pool).await.unwrap();
    let (_, why) = report.first_broken.expect("the unsealed event is found");
    assert!(why.contains("never sealed"), "{why}");
    assert_eq!(report.checked, 3);
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    let app = TestApp::new().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let pool = app.pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            audit::record(&mut tx, &AuditMeta::system("race"), Event::new("race.event", "thing", i)).await.unwrap();
            // Some writers roll back: their events must not leave holes in the chain.
            if i % 5 == 0 {
                tx.rollback().await.unwrap();
            } else {
                tx.commit().await.unwrap();
            }
        }));
    }
    // Sealers (as on several replicas) run while the writers commit.
    let sealers: Vec<_> = (0..3)
        .map(|_| {
            let pool = app.pool.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    audit::seal(&pool, 5, false).await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks.into_iter().chain(sealers) {
        t.await.unwrap();
    }
    let report = audit::verify(&app.pool).await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(report.checked, 19);
}

#[tokio::test]
async fn change_and_audit_commit_together() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let before = app.audit_count("patient.create").await;
    // A patient insert that fails (duplicate MRN forced) leaves no audit row either.
    sqlx::query("INSERT INTO patients (id, facility_id, mrn, given_name, family_name, sex) VALUES (gen_random_uuid(), $1, 'TST-000001', 'X', 'Y', 'male')")
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "Ana"), ("family_name", "Lima"), ("sex", "female"), ("age_years", "30")],
        )
        .await;
    // A constraint violation: 409 with the registry's message for the MRN constraint.
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("This MRN was given to another record"), "{}", r.body);
    assert!(!r.body.contains("duplicate key"), "internals are not shown");
    assert_eq!(app.audit_count("patient.create").await, before);
    let mrn_next: i64 = sqlx::query_scalar("SELECT mrn_next FROM facilities WHERE id = $1")
        .bind(app.facility_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // The number was drawn before the registration's transaction (so registrations do not
    // queue on the facility row): the failed registration leaves a gap, never a duplicate.
    assert_eq!(mrn_next, 2);
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "Ana"), ("family_name", "Lima"), ("sex", "female"), ("age_years", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the next registration gets the next number");
    let mrn: String =
        sqlx::query_scalar("SELECT mrn FROM patients WHERE given_name = 'Ana'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(mrn, "TST-000002");
}

#[tokio::test]
async fn viewer_filters_and_exports_csv() {
    let (mut app, email) = TestApp::signed_in("hospital_admin").await;
    write_events(&app, 3).await;
    let r = app.get(&format!("/audit?user={}", email.replace('@', "%40"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("auth.login"));
    assert!(!r.body.contains("test.event"));
    let r = app.get("/audit?action=test.event").await;
    assert_eq!(r.body.matches("<td class=\"mono\">test.event</td>").count(), 3);
    let r = app.get("/audit?from=not-a-date").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let csv = app.get("/audit/export.csv?action=test.event").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    assert_eq!(app.audit_count("audit.export").await, 1);
}

#[tokio::test]
async fn request_facts_are_recorded() {
    let (app, _) = TestApp::signed_in("doctor").await;
    let (ip, ua, rid, sid): (Option<String>, Option<String>, Option<String>, Option<uuid::Uuid>) = sqlx::query_as(
        "SELECT host(ip), user_agent, request_id, session_id FROM audit_events WHERE action = 'auth.login'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(ip.as_deref(), Some("10.1.2.3"));
    assert_eq!(ua.as_deref(), Some("hearth-tests"));
    assert!(rid.is_some_and(|r| r.len() == 36));
    assert!(sid.is_some());
}
