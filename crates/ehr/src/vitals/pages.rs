//! The vital signs page: the form, the table and the trend charts.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use time::OffsetDateTime;

use super::model::{fmt, Vitals, VitalsForm, CONSCIOUSNESS_CHOICES, LIMITS, OXYGEN_CHOICES};
use super::ranges::{normal_range, AgeBand, Flag};
use super::repo::{insert, paged, Recorded};
use crate::{audit_view, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::chart::{LineChart, Series};
use hearth_core::web::paging::{PageParams, PageRequest, Pager, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::{self, FieldErrors, Page};

/// The trend charts (the web kit's line charts) of up to 50 measurements, oldest to newest,
/// dated in `zone`, each with a note of its flagged readings in words; the shaded normal band
/// is the patient's age band's today (`birth`; unknown: adult).
pub fn charts(rows: &[Vitals], zone: &Zone, birth: Option<time::Date>) -> Vec<(String, String, String)> {
    let mut asc: Vec<&Vitals> = rows.iter().take(50).collect();
    asc.reverse();
    let band = AgeBand::of(birth, zone.today());
    let normal = |f: &str| normal_range(f, band).unwrap_or((0.0, 0.0));
    let (t_lo, t_hi) = normal("temperature_c");
    let (p_lo, p_hi) = normal("pulse");
    let (s_lo, s_hi) = normal("spo2");
    let pts = |f: &dyn Fn(&Vitals) -> Option<f64>| -> Vec<(OffsetDateTime, f64)> {
        asc.iter().filter_map(|v| f(v).map(|x| (zone.local(v.taken_at), x))).collect()
    };
    let charts = [
        (
            "temperature_c",
            LineChart::new("chart-temperature", "Temperature", "°C")
                .series(Series::new("Temperature", 1, pts(&|v| v.temperature_c)))
                .normal(t_lo, t_hi),
        ),
        (
            "pulse",
            LineChart::new("chart-pulse", "Pulse", "/min")
                .series(Series::new("Pulse", 2, pts(&|v| v.pulse)))
                .normal(p_lo, p_hi),
        ),
        (
            "bp",
            LineChart::new("chart-bp", "Blood pressure", "mmHg")
                .series(Series::new("Systolic", 1, pts(&|v| v.bp_systolic)))
                .series(Series::new("Diastolic", 3, pts(&|v| v.bp_diastolic))),
        ),
        (
            "spo2",
            LineChart::new("chart-spo2", "SpO2", "%")
                .series(Series::new("SpO2", 3, pts(&|v| v.spo2)))
                .normal(s_lo, s_hi),
        ),
        (
            "weight_kg",
            LineChart::new("chart-weight", "Weight", "kg").series(Series::new("Weight", 4, pts(&|v| v.weight_kg))),
        ),
    ];
    // The points are local times already (`zone.local`): label them as they are.
    let label = |t: OffsetDateTime| format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute());
    charts
        .into_iter()
        .filter(|(_, c)| !c.is_empty())
        .map(|(field, c)| {
            let count = |f: Flag| asc.iter().filter(|v| v.flag_of(field) == Some(f)).count();
            let (crit, abn) = (count(Flag::Critical), count(Flag::Abnormal));
            let note = match (crit, abn) {
                (0, 0) => String::new(),
                (c, a) => format!("Flagged in this range: {c} critical, {a} abnormal."),
            };
            (c.caption(), c.times(label).render(), note)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ehr/vitals.html")]
struct VitalsPage {
    page: Page,
    b: Banner,
    rows: Vec<Vitals>,
    pager: Pager,
    charts: Vec<(String, String, String)>,
    form: VitalsForm,
    errors: FieldErrors,
    can_write: bool,
    limits: &'static [(&'static str, &'static str, f64, f64, &'static str)],
    oxygen: &'static [(&'static str, &'static str)],
    consciousness: &'static [(&'static str, &'static str)],
}

impl VitalsPage {
    /// The field's hint: its unit and plausible range.
    fn range(&self, unit: &str, min: &f64, max: &f64) -> String {
        format!("{unit} ({}–{})", fmt(*min), fmt(*max)).trim().to_string()
    }
    /// A measurement's label in the page's language (`ehr-vitals-field-resp-rate`).
    fn field_label(&self, field: &str, english: &str) -> String {
        self.page.t_or(&hearth_patients::i18n::key("ehr-vitals-field", field), english)
    }
    /// Choices (value, English label) with labels in the page's language (`<prefix>-<value>`,
    /// `<prefix>-none` for the empty value).
    fn choices(&self, prefix: &str, options: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
        options
            .iter()
            .map(|(v, l)| {
                let code = if v.is_empty() { "none" } else { v };
                (*v, self.page.t_or(&hearth_patients::i18n::key(prefix, code), l))
            })
            .collect()
    }
    /// Air or oxygen, in the page's language.
    fn oxygen_label(&self, v: &Vitals) -> String {
        match v.on_oxygen {
            Some(true) => self.page.t("ehr-vitals-col-oxygen"),
            Some(false) => self.page.t("ehr-vitals-col-air"),
            None => "—".into(),
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context, the page and the form state")]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    req: PageRequest<TimeId>,
    form: VitalsForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let rows = paged(&state.pool, b.id, &req).await?;
    audit_view(&state.pool, &auth.meta, b.id, "vitals").await?;
    // The trends of the measurements on this page (the latest ones on the first page).
    let charts = charts(&rows.items, &page.zone, b.birth_date);
    let pager = Pager::new(&b.href("vitals"), &[], &rows, req.is_later()).labels("Older", "Newest");
    let t = VitalsPage {
        page: {
            let (list, tab) = (page.t("nav-patients"), page.t("patients-tab-vitals"));
            page.titled(format!("{tab} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("vitals"))
        },
        b,
        rows: rows.items,
        pager,
        charts,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        limits: LIMITS,
        oxygen: OXYGEN_CHOICES,
        consciousness: CONSCIOUSNESS_CHOICES,
    };
    web::render_status(status, &t)
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let req = PageRequest::new(&q, crate::PAGE_SIZE, crate::PAGE_MAX)?;
    let b = patient.banner("vitals");
    render(&state, page, &auth, b, req, VitalsForm::default(), FieldErrors::default(), StatusCode::OK).await
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
        Err(errors) => {
            let first = PageRequest::first(crate::PAGE_SIZE);
            return render(&state, page, &auth, b, first, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let rec = insert(&mut tx, state.registry, &auth.meta, b.id, b.birth_date, &valid).await?;
    tx.commit().await?;
    let (kind, msg) = recorded_message(&rec);
    Ok(web::redirect_flash(&b.href("vitals"), kind, &msg))
}

/// The flash after recording: what the set showed, in words.
fn recorded_message(rec: &Recorded) -> (&'static str, String) {
    let a = &rec.assessment;
    let mut msg = String::from("Vital signs recorded.");
    let worst = a.flag.filter(|f| *f != Flag::Normal);
    if let Some(f) = worst {
        let fields: Vec<&str> = LIMITS
            .iter()
            .filter(|(field, ..)| a.flags.get(*field).is_some_and(|g| *g != Flag::Normal))
            .map(|(_, label, ..)| *label)
            .collect();
        msg.push_str(&format!(" {}: {}.", f.label(), fields.join(", ")));
    }
    if let Some(n) = &a.news2 {
        match n.band() {
            Some(b) => msg.push_str(&format!(" NEWS2 {} ({}).", n.partial, b.label())),
            None => msg.push_str(" NEWS2 incomplete."),
        }
    }
    if rec.alert.is_some() {
        msg.push_str(" The responsible clinician has been alerted.");
    }
    for w in &rec.warnings {
        msg.push(' ');
        msg.push_str(w);
    }
    let kind = if rec.alert.is_some() || worst.is_some() || !rec.warnings.is_empty() { "error" } else { "ok" };
    (kind, msg)
}
