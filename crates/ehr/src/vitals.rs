//! Vital signs with plausibility limits (also CHECKs in the database), BMI computed by the
//! database, and SVG trend charts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::svg::{Chart, Series};
use super::{audit_view, db_error, fmt_dt, parse_datetime, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Page};

/// (field, label, min, max, unit): the same limits as the table's CHECKs.
pub const LIMITS: &[(&str, &str, f64, f64, &str)] = &[
    ("temperature_c", "Temperature", 25.0, 45.0, "°C"),
    ("pulse", "Pulse", 20.0, 250.0, "/min"),
    ("resp_rate", "Respiratory rate", 4.0, 80.0, "/min"),
    ("bp_systolic", "Systolic pressure", 50.0, 260.0, "mmHg"),
    ("bp_diastolic", "Diastolic pressure", 20.0, 160.0, "mmHg"),
    ("spo2", "SpO2", 50.0, 100.0, "%"),
    ("weight_kg", "Weight", 0.3, 400.0, "kg"),
    ("height_cm", "Height", 20.0, 250.0, "cm"),
    ("pain", "Pain score", 0.0, 10.0, ""),
];

/// Typed input (the API's body; the form is parsed into it).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VitalsInput {
    /// When measured: RFC 3339 or `YYYY-MM-DDTHH:MM` (UTC); default now.
    pub taken_at: Option<String>,
    /// 25–45 °C
    pub temperature_c: Option<f64>,
    /// 20–250 /min
    pub pulse: Option<f64>,
    /// 4–80 /min
    pub resp_rate: Option<f64>,
    /// 50–260 mmHg, greater than diastolic
    pub bp_systolic: Option<f64>,
    /// 20–160 mmHg
    pub bp_diastolic: Option<f64>,
    /// 50–100 %
    pub spo2: Option<f64>,
    /// 0.3–400 kg
    pub weight_kg: Option<f64>,
    /// 20–250 cm
    pub height_cm: Option<f64>,
    /// 0–10
    pub pain: Option<f64>,
}

/// The browser form: every field as typed, so a bad value re-renders as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VitalsForm {
    #[serde(default)]
    pub taken_at: String,
    #[serde(default)]
    pub temperature_c: String,
    #[serde(default)]
    pub pulse: String,
    #[serde(default)]
    pub resp_rate: String,
    #[serde(default)]
    pub bp_systolic: String,
    #[serde(default)]
    pub bp_diastolic: String,
    #[serde(default)]
    pub spo2: String,
    #[serde(default)]
    pub weight_kg: String,
    #[serde(default)]
    pub height_cm: String,
    #[serde(default)]
    pub pain: String,
}

impl VitalsForm {
    pub fn value(&self, field: &str) -> &str {
        match field {
            "temperature_c" => &self.temperature_c,
            "pulse" => &self.pulse,
            "resp_rate" => &self.resp_rate,
            "bp_systolic" => &self.bp_systolic,
            "bp_diastolic" => &self.bp_diastolic,
            "spo2" => &self.spo2,
            "weight_kg" => &self.weight_kg,
            "height_cm" => &self.height_cm,
            "pain" => &self.pain,
            _ => "",
        }
    }

    /// Parses numbers (a decimal comma is accepted); unreadable fields become field errors.
    pub fn parse(&self, e: &mut FieldErrors) -> VitalsInput {
        let mut num = |field: &'static str| -> Option<f64> {
            let v = self.value(field).trim().replace(',', ".");
            if v.is_empty() {
                return None;
            }
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    e.add(field, "Enter a number.");
                    None
                }
            }
        };
        VitalsInput {
            taken_at: Some(self.taken_at.clone()).filter(|s| !s.trim().is_empty()),
            temperature_c: num("temperature_c"),
            pulse: num("pulse"),
            resp_rate: num("resp_rate"),
            bp_systolic: num("bp_systolic"),
            bp_diastolic: num("bp_diastolic"),
            spo2: num("spo2"),
            weight_kg: num("weight_kg"),
            height_cm: num("height_cm"),
            pain: num("pain"),
        }
    }
}

pub struct ValidVitals {
    taken_at: OffsetDateTime,
    temperature_c: Option<f64>,
    pulse: Option<i32>,
    resp_rate: Option<i32>,
    bp_systolic: Option<i32>,
    bp_diastolic: Option<i32>,
    spo2: Option<i32>,
    weight_kg: Option<f64>,
    height_cm: Option<f64>,
    pain: Option<i16>,
}

impl VitalsInput {
    fn get(&self, field: &str) -> Option<f64> {
        match field {
            "temperature_c" => self.temperature_c,
            "pulse" => self.pulse,
            "resp_rate" => self.resp_rate,
            "bp_systolic" => self.bp_systolic,
            "bp_diastolic" => self.bp_diastolic,
            "spo2" => self.spo2,
            "weight_kg" => self.weight_kg,
            "height_cm" => self.height_cm,
            "pain" => self.pain,
            _ => None,
        }
    }

    /// Checks each value against its plausibility limits, naming the field in each error.
    pub fn validate(&self, mut e: FieldErrors, birth: Option<Date>) -> Result<ValidVitals, FieldErrors> {
        for (field, label, min, max, unit) in LIMITS {
            if let Some(v) = self.get(field) {
                if !v.is_finite() || v < *min || v > *max {
                    e.add(
                        field,
                        format!(
                            "{label} must be between {} and {}{}{unit}.",
                            fmt(*min),
                            fmt(*max),
                            if unit.is_empty() { "" } else { " " }
                        ),
                    );
                }
            }
        }
        for field in ["pulse", "resp_rate", "bp_systolic", "bp_diastolic", "spo2", "pain"] {
            if self.get(field).is_some_and(|v| v.fract() != 0.0) && e.get(field).is_none() {
                e.add(field, "Enter a whole number.");
            }
        }
        match (self.bp_systolic, self.bp_diastolic) {
            (Some(s), Some(d)) if s <= d && e.get("bp_systolic").is_none() && e.get("bp_diastolic").is_none() => {
                e.add("bp_diastolic", "Diastolic pressure must be lower than systolic.");
            }
            (Some(_), None) => e.add("bp_diastolic", "Enter the diastolic pressure with the systolic."),
            (None, Some(_)) => e.add("bp_systolic", "Enter the systolic pressure with the diastolic."),
            _ => {}
        }
        if LIMITS.iter().all(|(f, ..)| self.get(f).is_none()) && e.is_empty() {
            e.add("temperature_c", "Enter at least one measurement.");
        }
        let now = OffsetDateTime::now_utc();
        let taken_at = match self.taken_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => now,
            Some(s) => match parse_datetime(s) {
                Some(t) if t > now + Duration::minutes(5) => {
                    e.add("taken_at", "The time of measurement is in the future.");
                    now
                }
                Some(t) if birth.is_some_and(|b| t.date() < b) => {
                    e.add("taken_at", "The time of measurement is before the patient's birth.");
                    now
                }
                Some(t) => t,
                None => {
                    e.add("taken_at", "Use the form YYYY-MM-DDTHH:MM.");
                    now
                }
            },
        };
        if !e.is_empty() {
            return Err(e);
        }
        let int = |v: Option<f64>| v.map(|n| n as i32);
        Ok(ValidVitals {
            taken_at,
            temperature_c: self.temperature_c.map(|t| (t * 10.0).round() / 10.0),
            pulse: int(self.pulse),
            resp_rate: int(self.resp_rate),
            bp_systolic: int(self.bp_systolic),
            bp_diastolic: int(self.bp_diastolic),
            spo2: int(self.spo2),
            weight_kg: self.weight_kg.map(|w| (w * 100.0).round() / 100.0),
            height_cm: self.height_cm.map(|h| (h * 10.0).round() / 10.0),
            pain: self.pain.map(|p| p as i16),
        })
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vitals {
    pub id: Uuid,
    pub patient_id: Uuid,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub taken_at: OffsetDateTime,
    pub temperature_c: Option<f64>,
    pub pulse: Option<i32>,
    pub resp_rate: Option<i32>,
    pub bp_systolic: Option<i32>,
    pub bp_diastolic: Option<i32>,
    pub spo2: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
    pub pain: Option<i16>,
    /// Computed from weight and height of the same measurement.
    pub bmi: Option<f64>,
    pub recorded_by: Option<String>,
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "—".into())
}

impl Vitals {
    pub fn when(&self) -> String {
        fmt_dt(self.taken_at)
    }
    pub fn temp(&self) -> String {
        self.temperature_c.map(|t| format!("{t:.1}")).unwrap_or_else(|| "—".into())
    }
    pub fn bp(&self) -> String {
        match (self.bp_systolic, self.bp_diastolic) {
            (Some(s), Some(d)) => format!("{s}/{d}"),
            _ => "—".into(),
        }
    }
    pub fn pulse_s(&self) -> String {
        show(self.pulse)
    }
    pub fn resp_s(&self) -> String {
        show(self.resp_rate)
    }
    pub fn spo2_s(&self) -> String {
        show(self.spo2)
    }
    pub fn weight_s(&self) -> String {
        show(self.weight_kg)
    }
    pub fn height_s(&self) -> String {
        show(self.height_cm)
    }
    pub fn bmi_s(&self) -> String {
        self.bmi.map(|b| format!("{b:.1}")).unwrap_or_else(|| "—".into())
    }
    pub fn pain_s(&self) -> String {
        show(self.pain)
    }
    /// A one-line summary for the timeline.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.temperature_c {
            parts.push(format!("T {t:.1} °C"));
        }
        if let Some(p) = self.pulse {
            parts.push(format!("P {p}"));
        }
        if let (Some(s), Some(d)) = (self.bp_systolic, self.bp_diastolic) {
            parts.push(format!("BP {s}/{d}"));
        }
        if let Some(r) = self.resp_rate {
            parts.push(format!("RR {r}"));
        }
        if let Some(s) = self.spo2 {
            parts.push(format!("SpO2 {s}%"));
        }
        if let Some(w) = self.weight_kg {
            parts.push(format!("{w} kg"));
        }
        if let Some(b) = self.bmi {
            parts.push(format!("BMI {b:.1}"));
        }
        if let Some(p) = self.pain {
            parts.push(format!("pain {p}/10"));
        }
        parts.join(" · ")
    }
}

pub(crate) const SELECT: &str =
    "SELECT v.id, v.patient_id, v.taken_at, v.temperature_c, v.pulse, v.resp_rate, v.bp_systolic,
        v.bp_diastolic, v.spo2, v.weight_kg, v.height_cm, v.pain, v.bmi, u.display_name AS recorded_by
     FROM vitals v LEFT JOIN users u ON u.id = v.recorded_by";

/// Newest first.
pub async fn list(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<Vitals>> {
    sqlx::query_as(&format!("{SELECT} WHERE v.patient_id = $1 ORDER BY v.taken_at DESC, v.id DESC LIMIT $2"))
        .bind(patient)
        .bind(limit)
        .fetch_all(pool)
        .await
}

pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidVitals) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO vitals (id, patient_id, taken_at, temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2,
                             weight_kg, height_cm, pain, recorded_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.taken_at)
    .bind(v.temperature_c)
    .bind(v.pulse)
    .bind(v.resp_rate)
    .bind(v.bp_systolic)
    .bind(v.bp_diastolic)
    .bind(v.spo2)
    .bind(v.weight_kg)
    .bind(v.height_cm)
    .bind(v.pain)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    let changes = json!({"taken_at": fmt_dt(v.taken_at), "temperature_c": v.temperature_c, "pulse": v.pulse,
        "resp_rate": v.resp_rate, "bp_systolic": v.bp_systolic, "bp_diastolic": v.bp_diastolic, "spo2": v.spo2,
        "weight_kg": v.weight_kg, "height_cm": v.height_cm, "pain": v.pain});
    audit::record(conn, meta, Event::new("vitals.create", "vitals", id).patient(patient).changes(changes)).await?;
    Ok(id)
}

/// The trend charts for up to the last 50 measurements.
pub fn charts(rows: &[Vitals]) -> Vec<(String, String)> {
    let mut asc: Vec<&Vitals> = rows.iter().take(50).collect();
    asc.reverse();
    let pts = |f: &dyn Fn(&Vitals) -> Option<f64>| -> Vec<(OffsetDateTime, f64)> {
        asc.iter().filter_map(|v| f(v).map(|x| (v.taken_at, x))).collect()
    };
    let charts = [
        Chart {
            id: "chart-temperature",
            title: "Temperature",
            unit: "°C",
            series: vec![Series {
                name: "Temperature",
                class: "series-1",
                stroke: "#005eb8",
                points: pts(&|v| v.temperature_c),
            }],
            normal: Some((36.1, 37.8)),
        },
        Chart {
            id: "chart-pulse",
            title: "Pulse",
            unit: "/min",
            series: vec![Series {
                name: "Pulse",
                class: "series-2",
                stroke: "#c2210f",
                points: pts(&|v| v.pulse.map(f64::from)),
            }],
            normal: Some((60.0, 100.0)),
        },
        Chart {
            id: "chart-bp",
            title: "Blood pressure",
            unit: "mmHg",
            series: vec![
                Series {
                    name: "Systolic",
                    class: "series-1",
                    stroke: "#005eb8",
                    points: pts(&|v| v.bp_systolic.map(f64::from)),
                },
                Series {
                    name: "Diastolic",
                    class: "series-3",
                    stroke: "#00703c",
                    points: pts(&|v| v.bp_diastolic.map(f64::from)),
                },
            ],
            normal: None,
        },
        Chart {
            id: "chart-spo2",
            title: "SpO2",
            unit: "%",
            series: vec![Series {
                name: "SpO2",
                class: "series-3",
                stroke: "#00703c",
                points: pts(&|v| v.spo2.map(f64::from)),
            }],
            normal: Some((95.0, 100.0)),
        },
        Chart {
            id: "chart-weight",
            title: "Weight",
            unit: "kg",
            series: vec![Series {
                name: "Weight",
                class: "series-4",
                stroke: "#330072",
                points: pts(&|v| v.weight_kg),
            }],
            normal: None,
        },
    ];
    charts.iter().filter(|c| !c.is_empty()).map(|c| (c.caption(), c.render())).collect()
}

#[derive(Template)]
#[template(path = "ehr/vitals.html")]
struct VitalsPage {
    page: Page,
    b: Banner,
    rows: Vec<Vitals>,
    charts: Vec<(String, String)>,
    form: VitalsForm,
    errors: FieldErrors,
    can_write: bool,
    limits: &'static [(&'static str, &'static str, f64, f64, &'static str)],
}

impl VitalsPage {
    fn min(&self, v: &f64) -> String {
        fmt(*v)
    }
}

async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: VitalsForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id, 200).await?;
    audit_view(&state.pool, &auth.meta, b.id, "vitals").await?;
    let charts = charts(&rows);
    let t = VitalsPage {
        page: page
            .titled(format!("Vital signs · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Vital signs", b.href("vitals")),
        b,
        rows,
        charts,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        limits: LIMITS,
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("vitals");
    render(&state, page, &auth, b, VitalsForm::default(), FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<VitalsForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("vitals");
    let mut errors = FieldErrors::default();
    let input = form.parse(&mut errors);
    let valid = match input.validate(errors, b.birth_date) {
        Ok(v) => v,
        Err(errors) => return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("vitals"), "ok", "Vital signs recorded."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_field() {
        let v = VitalsInput {
            temperature_c: Some(50.0),
            bp_systolic: Some(80.0),
            bp_diastolic: Some(90.0),
            ..Default::default()
        };
        let e = v.validate(FieldErrors::default(), None).err().unwrap();
        assert!(e.get("temperature_c").unwrap().contains("between 25 and 45"));
        assert!(e.get("bp_diastolic").unwrap().contains("lower than systolic"));
        let ok = VitalsInput { pulse: Some(72.0), ..Default::default() };
        assert!(ok.validate(FieldErrors::default(), None).is_ok());
        assert!(VitalsInput::default().validate(FieldErrors::default(), None).is_err());
    }
}
