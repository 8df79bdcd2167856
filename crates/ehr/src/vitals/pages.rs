//! The vital signs page: the form, the table and the trend charts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use time::OffsetDateTime;

use super::model::{fmt, Vitals, VitalsForm, LIMITS};
use super::repo::{insert, list};
use crate::svg::{Chart, Series};
use crate::{audit_view, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::{self, FieldErrors, Page};

/// The trend charts for up to the last 50 measurements, dated in `zone`.
pub fn charts(rows: &[Vitals], zone: &Zone) -> Vec<(String, String)> {
    let mut asc: Vec<&Vitals> = rows.iter().take(50).collect();
    asc.reverse();
    let pts = |f: &dyn Fn(&Vitals) -> Option<f64>| -> Vec<(OffsetDateTime, f64)> {
        asc.iter().filter_map(|v| f(v).map(|x| (zone.local(v.taken_at), x))).collect()
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
    let charts = charts(&rows, &page.zone);
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
    let valid = match input.validate(errors, b.birth_date, &page.zone, Some(&form.taken_at_offset)) {
        Ok(v) => v,
        Err(errors) => return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("vitals"), "ok", "Vital signs recorded."))
}
