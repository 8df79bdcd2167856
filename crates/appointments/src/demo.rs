//! Demo data: clinic templates for the demo clinicians at both facilities, a week of past
//! appointments (seen, no-shows, cancelled), a week ahead of bookings, and today's queue in
//! progress (done, in consultation, called, waiting, a walk-in).

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use crate::repo;
use hearth_core::registry::DemoContext;

/// (clinician email, facility index, department code, weekdays, start, end, minutes, capacity, visit types)
type Plan = (&'static str, usize, &'static str, &'static [i16], (u8, u8), (u8, u8), i32, i32, &'static [&'static str]);

const PLANS: &[Plan] = &[
    ("doctor@demo.hearth", 0, "MED", &[1, 2, 3, 4, 5, 6, 7], (9, 0), (12, 30), 15, 1, &["new", "follow_up"]),
    ("doctor@demo.hearth", 0, "CARD", &[2, 4], (14, 0), (17, 0), 20, 1, &["new", "follow_up", "procedure"]),
    ("doctor@demo.hearth", 1, "PED", &[1, 3, 5], (14, 0), (16, 0), 20, 1, &["new", "follow_up", "telemedicine"]),
    ("nurse@demo.hearth", 0, "MED", &[1, 2, 3, 4, 5], (13, 0), (15, 0), 30, 3, &["procedure"]),
    ("nurse@demo.hearth", 1, "PED", &[2, 4], (9, 0), (11, 0), 30, 2, &["procedure", "follow_up"]),
];

/// A slot with its session's clinician, facility, department and visit types.
type SlotRow = (Uuid, OffsetDateTime, OffsetDateTime, Uuid, Uuid, Uuid, Vec<String>);

const REASONS: &[&str] = &[
    "Blood pressure review",
    "Follow-up of asthma",
    "Diabetes review",
    "New chest pain referral",
    "Wound dressing",
    "Medication review",
    "Palpitations",
    "Post-discharge check",
];

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    if ctx.patients.is_empty() || ctx.facilities.len() < 2 {
        return Ok(());
    }
    let booker = ctx.user("reception@demo.hearth");
    let today = OffsetDateTime::now_utc().date();
    for (email, fac, dept, days, start, end, minutes, capacity, types) in PLANS {
        let Some(clinician) = ctx.user(email) else { continue };
        let department: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM departments WHERE facility_id = $1 AND code = $2")
                .bind(ctx.facilities[*fac])
                .bind(dept)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(department) = department else { continue };
        for wd in *days {
            sqlx::query(
                "INSERT INTO appt_templates (id, clinician_id, facility_id, department_id, weekday, start_time, end_time,
                    slot_minutes, capacity, visit_types, effective_from, created_by)
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$2)",
            )
            .bind(Uuid::new_v4())
            .bind(clinician)
            .bind(ctx.facilities[*fac])
            .bind(department)
            .bind(*wd)
            .bind(Time::from_hms(start.0, start.1, 0)?)
            .bind(Time::from_hms(end.0, end.1, 0)?)
            .bind(*minutes)
            .bind(*capacity)
            .bind(types.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            .bind(today - Duration::days(30))
            .execute(&mut *conn)
            .await?;
        }
    }
    // The past week (and today) in full, then the usual horizon.
    repo::materialise(conn, None, Some(today - Duration::days(7)), 1, true).await?;
    repo::materialise(conn, None, None, repo::WEEKS_AHEAD, true).await?;

    // Bookings: a deterministic spread over the slots from a week ago to a week ahead.
    let slots: Vec<SlotRow> = sqlx::query_as(
        "SELECT sl.id, sl.starts_at, sl.ends_at, s.clinician_id, s.facility_id, s.department_id, s.visit_types
         FROM appt_slots sl JOIN appt_sessions s ON s.id = sl.session_id
         WHERE sl.starts_at >= now() - interval '7 days' AND sl.starts_at < now() + interval '7 days'
         ORDER BY sl.starts_at, sl.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let now = OffsetDateTime::now_utc();
    let mut k = 0usize;
    let mut today_arrivals: Vec<(Uuid, Uuid, Uuid, Uuid, Uuid, String)> = Vec::new();
    for (i, (slot, starts, ends, clinician, facility, department, types)) in slots.iter().enumerate() {
        // About two slots in three are booked.
        if i % 3 == 2 {
            continue;
        }
        k += 1;
        let patient = ctx.patients[(k * 7) % ctx.patients.len()].id;
        let visit_type = types[k % types.len()].clone();
        let is_today = starts.date() == now.date();
        let status = if *ends < now {
            if is_today {
                "arrived"
            } else {
                match k % 20 {
                    0 | 1 => "noshow",
                    2 => "cancelled",
                    _ => "fulfilled",
                }
            }
        } else if k.is_multiple_of(17) {
            "cancelled"
        } else {
            "booked"
        };
        let id = Uuid::new_v4();
        let res = sqlx::query(
            "INSERT INTO appt_appointments (id, patient_id, slot_id, seat, clinician_id, facility_id, department_id,
                visit_type, starts_at, ends_at, status, reason, cancel_reason, booked_by, created_at)
             VALUES ($1,$2,$3,1,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$8 - interval '10 days')
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(patient)
        .bind(slot)
        .bind(clinician)
        .bind(facility)
        .bind(department)
        .bind(&visit_type)
        .bind(starts)
        .bind(ends)
        .bind(status)
        .bind(REASONS[k % REASONS.len()])
        .bind((status == "cancelled").then_some("Patient asked to rebook"))
        .bind(booker)
        .execute(&mut *conn)
        .await?;
        if res.rows_affected() == 1 && status == "arrived" {
            today_arrivals.push((id, patient, *facility, *clinician, *department, visit_type));
        }
    }
    // Today's queue in progress: the earliest arrivals are done, then one in consultation, one
    // called, the rest waiting; one walk-in waits too.
    let n = today_arrivals.len();
    for (i, (id, patient, facility, clinician, department, visit_type)) in today_arrivals.into_iter().enumerate() {
        let status = match n - i {
            1 | 2 => "waiting",
            3 => "called",
            4 => "in_consultation",
            _ => "done",
        };
        if status == "done" {
            sqlx::query("UPDATE appt_appointments SET status = 'fulfilled' WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        queue_entry(conn, facility, patient, Some(id), Some(clinician), Some(department), &visit_type, status).await?;
    }
    let walk_in = ctx.patients[ctx.patients.len() / 2].id;
    let med: Option<Uuid> = sqlx::query_scalar("SELECT id FROM departments WHERE facility_id = $1 AND code = 'MED'")
        .bind(ctx.facilities[0])
        .fetch_optional(&mut *conn)
        .await?;
    queue_entry(conn, ctx.facilities[0], walk_in, None, None, med, "new", "waiting").await?;
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one queue row's columns")]
async fn queue_entry(
    conn: &mut PgConnection,
    facility: Uuid,
    patient: Uuid,
    appointment: Option<Uuid>,
    clinician: Option<Uuid>,
    department: Option<Uuid>,
    visit_type: &str,
    status: &str,
) -> anyhow::Result<()> {
    let (day, n): (time::Date, i32) = sqlx::query_as(
        "INSERT INTO appt_queue_counters (facility_id, day, last)
         SELECT $1, (now() AT TIME ZONE f.timezone)::date, 1 FROM facilities f WHERE f.id = $1
         ON CONFLICT (facility_id, day) DO UPDATE SET last = appt_queue_counters.last + 1 RETURNING day, last",
    )
    .bind(facility)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO appt_queue (id, facility_id, day, number, token, patient_id, appointment_id, clinician_id,
            department_id, visit_type, status, checked_in_at, called_at, started_at, finished_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11, now() - make_interval(mins => 90 - $4 * 5),
                 CASE WHEN $11 <> 'waiting' THEN now() - make_interval(mins => 60 - $4 * 4) END,
                 CASE WHEN $11 IN ('in_consultation', 'done') THEN now() - make_interval(mins => 55 - $4 * 4) END,
                 CASE WHEN $11 = 'done' THEN now() - make_interval(mins => 45 - $4 * 4) END)",
    )
    .bind(Uuid::new_v4())
    .bind(facility)
    .bind(day)
    .bind(n)
    .bind(format!("A-{n:03}"))
    .bind(patient)
    .bind(appointment)
    .bind(clinician)
    .bind(department)
    .bind(visit_type)
    .bind(status)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
