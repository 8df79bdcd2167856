//! Facility time through HTTP: pages show times in the zone of the user's facility, forms read
//! local times by the stated rule at DST changes, the database stores UTC instants.
//! (`crates/core/src/web/time.rs`; America/New_York: clocks went forward on 2025-03-09 at 02:00
//! and back on 2025-11-02 at 02:00.)

use axum::http::StatusCode;
use time::macros::datetime;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::*;
use hearth::modules::admin::{create_user, NewUser};
use hearth::platform::audit::AuditMeta;
use hearth::web::time::Zone;

const PATIENT: &[(&str, &str)] =
    &[("given_name", "Rosa"), ("family_name", "Parks"), ("sex", "female"), ("birth_date", "1950-02-04")];

/// Puts the test facility (and so its users) in `zone`.
async fn set_zone(app: &TestApp, zone: &str) {
    sqlx::query("UPDATE facilities SET timezone = $2 WHERE id = $1")
        .bind(app.facility_id)
        .bind(zone)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// A client signed in as a user of `role` whose only facility (code `code`) is in `zone`.
async fn client_in_zone(app: &TestApp, role: &str, code: &str, zone: &str) -> TestApp {
    let facility = Uuid::new_v4();
    sqlx::query("INSERT INTO facilities (id, code, name, timezone) VALUES ($1, $2, $3, $4)")
        .bind(facility)
        .bind(code)
        .bind(format!("{code} Hospital"))
        .bind(zone)
        .execute(&app.pool)
        .await
        .unwrap();
    let email = format!("{role}.{}@test.hearth", &Uuid::new_v4().to_string()[..8]);
    let mut tx = app.pool.begin().await.unwrap();
    create_user(
        &mut tx,
        &NewUser {
            email: &email,
            display_name: role,
            password: PASSWORD,
            roles: &[role],
            facility_ids: &[facility],
            must_change_password: false,
        },
        &AuditMeta::system("test"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut other = app.another_client();
    other.login(&email, PASSWORD).await;
    other
}

async fn deceased_at(app: &TestApp, id: &str) -> Option<OffsetDateTime> {
    sqlx::query_scalar("SELECT deceased_at FROM patients WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_death_form_reads_local_time_by_the_dst_rule() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    set_zone(&app, "America/New_York").await;
    let id = app.register_patient(PATIENT).await;
    let close = app.get(&format!("/patients/{id}/close")).await;
    // The form states the zone and the rule, and offers the offsets.
    assert!(close.body.contains("America/New_York"), "{}", close.body);
    assert!(close.body.contains("the first occurrence is meant unless you choose the offset"));
    assert!(close.body.contains(r#"<option value="-05:00">EST (UTC−05:00)</option>"#), "{}", close.body);

    // Spring forward: 02:30 does not exist that day. Refused, nothing stored.
    let r =
        app.post_form(&format!("/patients/{id}/death"), &[("death_date", "2025-03-09"), ("death_time", "02:30")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("2025-03-09 02:30 does not exist in America/New_York: the clocks go forward from 02:00 to 03:00"),
        "{}",
        r.body
    );
    assert_eq!(deceased_at(&app, &id).await, None);

    // An ordinary local time: stored as its UTC instant, shown as entered.
    let r =
        app.post_form(&format!("/patients/{id}/death"), &[("death_date", "2025-01-15"), ("death_time", "09:30")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(deceased_at(&app, &id).await, Some(datetime!(2025-01-15 14:30 UTC)));
    assert!(app.get(&format!("/patients/{id}")).await.body.contains("Deceased Jan 15, 2025, 09:30 EST"));

    // Fall back: 01:30 happens twice; without a choice, the first (EDT, UTC−4).
    let first = app.register_patient(PATIENT).await;
    let r = app
        .post_form(&format!("/patients/{first}/death"), &[("death_date", "2025-11-02"), ("death_time", "01:30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(deceased_at(&app, &first).await, Some(datetime!(2025-11-02 05:30 UTC)));
    assert!(app.get(&format!("/patients/{first}")).await.body.contains("Deceased Nov 2, 2025, 01:30 EDT"));
    // With the offset chosen: the second (EST, UTC−5).
    let second = app.register_patient(PATIENT).await;
    let r = app
        .post_form(
            &format!("/patients/{second}/death"),
            &[("death_date", "2025-11-02"), ("death_time", "01:30"), ("death_time_offset", "-05:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(deceased_at(&app, &second).await, Some(datetime!(2025-11-02 06:30 UTC)));
    assert!(app.get(&format!("/patients/{second}")).await.body.contains("Deceased Nov 2, 2025, 01:30 EST"));
    // An offset the time does not have is refused.
    let third = app.register_patient(PATIENT).await;
    let r = app
        .post_form(
            &format!("/patients/{third}/death"),
            &[("death_date", "2025-07-04"), ("death_time", "12:00"), ("death_time_offset", "-05:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("is UTC−04:00"), "{}", r.body);
    assert_eq!(deceased_at(&app, &third).await, None);

    // A user of a facility in London sees the same instant in London time.
    let mut london = client_in_zone(&app, "nurse", "LDN", "Europe/London").await;
    let page = london.get(&format!("/patients/{second}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Deceased Nov 2, 2025, 06:30 GMT"), "{}", page.body);
}

#[tokio::test]
async fn the_audit_filter_reads_local_days() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    // The sign-in just recorded. A zone in which its local date differs from its UTC date:
    // 14 hours ahead when it is 10:00 UTC or later, else 11 hours behind.
    let at: OffsetDateTime =
        sqlx::query_scalar("SELECT occurred_at FROM audit_events WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let name = if at.hour() >= 10 { "Pacific/Kiritimati" } else { "Pacific/Pago_Pago" };
    set_zone(&app, name).await;
    let zone = Zone::named(name).unwrap().with_formats(hearth::formats::Formats::for_tag("en"));
    let local_day = zone.local(at).date();
    assert_ne!(local_day, at.date(), "the zone was chosen so that the days differ");

    let list = |day: time::Date| format!("/audit?action=auth.login&user={email}&from={day}&to={day}");
    let page = app.get(&list(local_day)).await;
    assert_eq!(page.status, StatusCode::OK);
    // Found on its local day, shown in local time with the zone named.
    assert!(page.body.contains(&zone.datetime_secs(at)), "{}", page.body);
    assert!(page.body.contains(&format!("Time ({name})")));
    // Not on the UTC day (which the local day is not), nor the days around the local one.
    for other in [at.date(), local_day.previous_day().unwrap(), local_day.next_day().unwrap()] {
        let page = app.get(&list(other)).await;
        assert!(page.body.contains("No audit events match"), "{other}: {}", page.body);
    }
    // The CSV export filters the same way and keeps UTC instants.
    let csv =
        app.get(&format!("/audit/export.csv?action=auth.login&user={email}&from={local_day}&to={local_day}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains(&at.format(&time::format_description::well_known::Rfc3339).unwrap()), "{}", csv.body);
}

#[tokio::test]
async fn patients_of_the_day_are_those_of_the_local_day() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let id = app.register_patient(PATIENT).await;
    let at: OffsetDateTime = sqlx::query_scalar("SELECT created_at FROM patients WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let name = if at.hour() >= 10 { "Pacific/Kiritimati" } else { "Pacific/Pago_Pago" };
    set_zone(&app, name).await;
    let zone = Zone::named(name).unwrap().with_formats(hearth::formats::Formats::for_tag("en"));
    let local_day = zone.local(at).date();
    let page = app.get(&format!("/patients/today?date={local_day}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Parks") && page.body.contains(&zone.time(at)), "{}", page.body);
    assert!(page.body.contains(&format!("Time ({name})")));
    let page = app.get(&format!("/patients/today?date={}", at.date())).await;
    assert!(!page.body.contains("Parks"), "the UTC day is not the local day: {}", page.body);
    // Without a date: today is the local today.
    assert!(app.get("/patients/today").await.body.contains(&format!("value=\"{}\"", zone.today())));
}

#[tokio::test]
async fn unknown_zones_are_refused_for_facilities_and_the_installation() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let r =
        app.post_form("/admin/facilities", &[("code", "MRS"), ("name", "Mars"), ("timezone", "Mars/Olympus")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter a time zone name"));
    let r =
        app.post_form("/admin/facilities", &[("code", "NYC"), ("name", "NYC"), ("timezone", "America/New_York")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = hearth::config::Config::from_lookup(|k| match k {
        "HEARTH_MASTER_KEY" => Some(MASTER_KEY.into()),
        "HEARTH_DATA_DIR" => Some(std::env::temp_dir().to_string_lossy().into_owned()),
        "HEARTH_TIME_ZONE" => Some("Mars/Olympus".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(e.to_string().contains("HEARTH_TIME_ZONE"), "{e}");
}

#[tokio::test]
async fn users_without_a_facility_see_the_installation_zone() {
    let mut app = TestApp::with_config(&[("HEARTH_TIME_ZONE", "Asia/Kolkata")]).await;
    let email = format!("auditor.{}@test.hearth", &Uuid::new_v4().to_string()[..8]);
    let mut tx = app.pool.begin().await.unwrap();
    create_user(
        &mut tx,
        &NewUser {
            email: &email,
            display_name: "No facility",
            password: PASSWORD,
            roles: &["super_admin"],
            facility_ids: &[],
            must_change_password: false,
        },
        &AuditMeta::system("test"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.login(&email, PASSWORD).await;
    let page = app.get("/audit").await;
    assert!(page.body.contains("Time (Asia/Kolkata)"), "{}", page.body);
    // Users of a facility keep their facility's zone.
    set_zone(&app, "Europe/Paris").await;
    let mut paris = app.another_client();
    let nurse = app.user("nurse").await;
    paris.login(&nurse, PASSWORD).await;
    assert!(paris.get("/notifications/settings").await.body.contains("Europe/Paris"));
}

async fn vitals_times(app: &TestApp, pid: &str) -> Vec<OffsetDateTime> {
    sqlx::query_scalar("SELECT taken_at FROM vitals WHERE patient_id = $1::uuid ORDER BY taken_at")
        .bind(pid)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn vital_signs_are_entered_and_shown_in_facility_time() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    set_zone(&app, "America/New_York").await;
    let pid = app.register_patient(PATIENT).await;
    let url = format!("/patients/{pid}/vitals");
    // The form names the zone and states the rule; the offsets are offered.
    let page = app.get(&url).await;
    assert!(
        page.body.contains("Measured at <span class=\"muted small\">(America/New_York; empty = now)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("the first occurrence is meant unless you choose the offset"));
    assert!(page.body.contains(r#"name="taken_at_offset""#));

    // Local 09:30 in winter (UTC−5) and in summer (UTC−4): stored as UTC, shown as entered.
    for at in ["2025-01-15T09:30", "2025-07-15T09:30"] {
        let r = app.post_form(&url, &[("taken_at", at), ("pulse", "70")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(vitals_times(&app, &pid).await, [datetime!(2025-01-15 14:30 UTC), datetime!(2025-07-15 13:30 UTC)]);
    let page = app.get(&url).await;
    assert!(page.body.contains("Time (America/New_York)"));
    assert!(page.body.contains("2025-01-15 09:30") && page.body.contains("2025-07-15 09:30"), "{}", page.body);
    assert!(!page.body.contains("14:30") && !page.body.contains("13:30"), "no UTC times on the page");

    // The skipped hour on the spring-forward date is refused with a message; nothing stored.
    let r = app.post_form(&url, &[("taken_at", "2025-03-09T02:30"), ("pulse", "70")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("2025-03-09 02:30 does not exist in America/New_York: the clocks go forward from 02:00 to 03:00"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"2025-03-09T02:30\""), "keeps what was typed");
    assert_eq!(vitals_times(&app, &pid).await.len(), 2);

    // The repeated hour on the fall-back date: the first occurrence (EDT), or the second when
    // the offset is chosen; each shown with its abbreviation.
    let r = app.post_form(&url, &[("taken_at", "2025-11-02T01:30"), ("pulse", "71")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r =
        app.post_form(&url, &[("taken_at", "2025-11-02T01:30"), ("taken_at_offset", "-05:00"), ("pulse", "72")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let times = vitals_times(&app, &pid).await;
    assert_eq!(times[2..], [datetime!(2025-11-02 05:30 UTC), datetime!(2025-11-02 06:30 UTC)]);
    let page = app.get(&url).await;
    assert!(
        page.body.contains("Nov 2, 2025, 01:30 EDT") && page.body.contains("Nov 2, 2025, 01:30 EST"),
        "{}",
        page.body
    );

    // A user of a facility in London sees the same instants in London time.
    let mut london = client_in_zone(&app, "nurse", "LDN", "Europe/London").await;
    let page = london.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Time (Europe/London)"));
    for shown in ["2025-01-15 14:30", "2025-07-15 14:30", "2025-11-02 05:30", "2025-11-02 06:30"] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    // The chart overview and its timeline too.
    let chart = london.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Nov 2, 2025, 06:30"), "{}", chart.body);

    // The API keeps RFC 3339 UTC.
    let token = app.api_token(&email).await;
    let api = app.api(axum::http::Method::GET, &format!("/api/v1/patients/{pid}/vitals"), Some(&token), None).await;
    assert_eq!(api.status, StatusCode::OK);
    assert!(api.body.contains("\"2025-01-15T14:30:00Z\""), "{}", api.body);
}

#[tokio::test]
async fn encounters_start_in_facility_time() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    set_zone(&app, "Asia/Kolkata").await;
    let pid = app.register_patient(PATIENT).await;
    let url = format!("/patients/{pid}/encounters");
    let r =
        app.post_form(&url, &[("kind", "outpatient"), ("starts_at", "2025-02-03T09:30"), ("reason", "Review")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at: OffsetDateTime = sqlx::query_scalar("SELECT starts_at FROM encounters WHERE patient_id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(at, datetime!(2025-02-03 04:00 UTC));
    let page = app.get(&url).await;
    assert!(page.body.contains("Start (Asia/Kolkata)") && page.body.contains("Feb 3, 2025, 09:30"), "{}", page.body);
    // Kolkata keeps one offset all year: no offset choice on the form.
    assert!(!page.body.contains("starts_at_offset"));
}

#[tokio::test]
async fn the_example_module_reads_and_shows_facility_time() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    set_zone(&app, "America/New_York").await;
    let pid = app.register_patient(PATIENT).await;
    let url = format!("/patients/{pid}/immunizations");
    let form = app.get(&url).await;
    assert!(form.body.contains("Times are local (America/New_York)"), "{}", form.body);
    assert!(form.body.contains(r#"name="occurred_time_offset""#));
    // The skipped hour is refused; the repeated one is the first occurrence.
    let r = app.post_form(&url, &[("cvx", "140"), ("occurred_on", "2025-03-09"), ("occurred_time", "02:15")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("2025-03-09 02:15 does not exist in America/New_York"), "{}", r.body);
    let r = app.post_form(&url, &[("cvx", "140"), ("occurred_on", "2025-11-02"), ("occurred_time", "01:30")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Without a time, an earlier day starts at local midnight.
    let r = app.post_form(&url, &[("cvx", "33"), ("occurred_on", "2025-01-15")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at: Vec<OffsetDateTime> =
        sqlx::query_scalar("SELECT occurred_at FROM immunizations WHERE patient_id = $1::uuid ORDER BY occurred_at")
            .bind(&pid)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(at, [datetime!(2025-01-15 05:00 UTC), datetime!(2025-11-02 05:30 UTC)]);
    let page = app.get(&url).await;
    assert!(page.body.contains("Nov 2, 2025, 01:30 EDT") && page.body.contains("Jan 15, 2025, 00:00"), "{}", page.body);
}
