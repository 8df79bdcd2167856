//! The HTTP client side: a signed-in browser session (cookies, CSRF token) with an optional API
//! bearer token, and one request per operation.

use std::collections::HashMap;

use anyhow::{anyhow, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use rand::rngs::StdRng;
use rand::Rng;

use crate::ops::{Cohort, Data, Op};
use crate::seed::{mrn, phone, PASSWORD, PREFIXES};

pub type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub struct Session {
    http: Http,
    base: String,
    cookies: HashMap<String, String>,
    csrf: String,
    /// API bearer token (for the API operations).
    pub token: Option<String>,
    /// The last ETag of each public path asked (for conditional requests).
    etags: HashMap<String, String>,
    /// The last public path asked (a refresh asks it again).
    last_public: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

impl Session {
    pub fn new(http: Http, base: &str) -> Self {
        Session {
            http,
            base: base.to_string(),
            cookies: HashMap::new(),
            csrf: String::new(),
            token: None,
            etags: HashMap::new(),
            last_public: None,
        }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        ctype: Option<&str>,
        body: String,
        bearer: bool,
    ) -> anyhow::Result<Reply> {
        let mut b = Request::builder().method(method).uri(format!("{}{path}", self.base));
        if bearer {
            let t = self.token.as_deref().ok_or_else(|| anyhow!("no API token for {path}"))?;
            b = b.header("authorization", format!("Bearer {t}"));
        } else if !self.cookies.is_empty() {
            let c = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            b = b.header("cookie", c);
        }
        if let Some(ct) = ctype {
            b = b.header("content-type", ct);
        }
        let res = self.http.request(b.body(Full::new(Bytes::from(body)))?).await?;
        let status = res.status();
        for v in res.headers().get_all("set-cookie") {
            if let Some((kv, attrs)) = v.to_str().ok().map(|s| s.split_once(';').unwrap_or((s, ""))) {
                if let Some((k, val)) = kv.split_once('=') {
                    if attrs.contains("Max-Age=0") {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_string(), val.to_string());
                    }
                }
            }
        }
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = res.into_body().collect().await?.to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if !bearer {
            if let Some(t) = extract_csrf(&body) {
                self.csrf = t;
            }
        }
        Ok(Reply { status, location, body })
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, None, String::new(), false).await
    }

    /// A GET with the bearer token (the API).
    pub async fn api_get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, None, String::new(), true).await
    }

    /// A GET as the public sends it: no cookie, no token; with `If-None-Match` (the ETag of the
    /// last answer to the same path) when `conditional` and there was one. Keeps the answer's
    /// ETag.
    pub async fn public_get(&mut self, path: &str, conditional: bool) -> anyhow::Result<Reply> {
        let mut b = Request::builder().method(Method::GET).uri(format!("{}{path}", self.base));
        if let Some(tag) = self.etags.get(path).filter(|_| conditional) {
            b = b.header("if-none-match", tag.as_str());
        }
        self.last_public = Some(path.to_string());
        let res = self.http.request(b.body(Full::new(Bytes::new()))?).await?;
        let status = res.status();
        if let Some(tag) = res.headers().get("etag").and_then(|v| v.to_str().ok()) {
            self.etags.insert(path.to_string(), tag.to_string());
        }
        let bytes = res.into_body().collect().await?.to_bytes();
        Ok(Reply { status, location: String::new(), body: String::from_utf8_lossy(&bytes).into_owned() })
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Reply> {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all)?;
        self.send(Method::POST, path, Some("application/x-www-form-urlencoded"), body, false).await
    }

    pub async fn sign_in(&mut self, email: &str) -> anyhow::Result<Reply> {
        self.cookies.remove("hearth_session");
        self.get("/login").await?;
        let r = self.post_form("/login", &[("email", email), ("password", PASSWORD)]).await?;
        if r.status != StatusCode::SEE_OTHER || r.location != "/" {
            bail!("sign-in of {email} failed: {} {}", r.status, r.location);
        }
        // A page with the session's CSRF token.
        self.get("/account").await?;
        Ok(r)
    }

    async fn token_request(&mut self, email: &str) -> anyhow::Result<Reply> {
        let body = serde_json::json!({"email": email, "password": PASSWORD}).to_string();
        self.send(Method::POST, "/api/v1/auth/token", Some("application/json"), body, false).await
    }

    /// Fetches an API token and keeps it for the API operations.
    pub async fn fetch_token(&mut self, email: &str) -> anyhow::Result<()> {
        let r = self.token_request(email).await?;
        if r.status != StatusCode::OK {
            bail!("API token for {email} refused: {}", r.status);
        }
        let v: serde_json::Value = serde_json::from_str(&r.body)?;
        let t = v["access_token"].as_str().ok_or_else(|| anyhow!("no access_token in the token response"))?;
        self.token = Some(t.to_string());
        Ok(())
    }
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let m = "name=\"csrf-token\" content=\"";
    let s = html.find(m)? + m.len();
    let e = html[s..].find('"')?;
    let t = &html[s..s + e];
    (!t.is_empty()).then(|| t.to_string())
}

/// Runs one operation; `Ok(true)` when the server answered as it should. Chart operations open
/// a patient of `cohort`.
pub async fn run_op(
    s: &mut Session,
    op: Op,
    cohort: Cohort,
    rng: &mut StdRng,
    data: &Data,
    email: &str,
) -> anyhow::Result<bool> {
    // 304 answers a conditional GET (only `bednet-public` sends them).
    let ok =
        |r: &Reply| r.status.is_success() || r.status == StatusCode::SEE_OTHER || r.status == StatusCode::NOT_MODIFIED;
    let chart = |rng: &mut StdRng| data.patient(cohort, rng);
    let r = match op {
        Op::SignIn => s.sign_in(email).await?,
        Op::ApiToken => s.token_request(email).await?,
        Op::SearchName => {
            let p = PREFIXES[rng.gen_range(0..PREFIXES.len())];
            s.get(&format!("/search/suggest?q={p}")).await?
        }
        Op::SearchMrn => s.get(&format!("/patients?q={}", mrn(rng.gen_range(1..=data.patients)))).await?,
        Op::SearchPhone => s.get(&format!("/patients?q=%2B{}", &phone(rng.gen_range(1..=data.patients))[1..])).await?,
        Op::OpenChart => s.get(&format!("/patients/{}/chart", chart(rng))).await?,
        Op::EncountersPage => s.get(&format!("/patients/{}/encounters", chart(rng))).await?,
        Op::VitalsPage => s.get(&format!("/patients/{}/vitals", chart(rng))).await?,
        Op::NotesPage => s.get(&format!("/patients/{}/notes", chart(rng))).await?,
        Op::Timeline => s.api_get(&format!("/api/v1/patients/{}/timeline", chart(rng))).await?,
        Op::TimelineDeep => {
            let id = chart(rng);
            // A cursor (the web kit's keyset cursor of a time and an id): the newest entries
            // before a random instant of the last ten years.
            let at =
                time::OffsetDateTime::now_utc() - time::Duration::seconds(rng.gen_range(86_400..10 * 365 * 86_400i64));
            let cursor = hearth_core::web::paging::encode(&hearth_core::web::paging::TimeId(at, uuid::Uuid::max()));
            s.api_get(&format!("/api/v1/patients/{id}/timeline?after={cursor}")).await?
        }
        Op::ApiEncounters => s.api_get(&format!("/api/v1/patients/{}/encounters", chart(rng))).await?,
        Op::ApiVitals => s.api_get(&format!("/api/v1/patients/{}/vitals", chart(rng))).await?,
        Op::ApiNotes => s.api_get(&format!("/api/v1/patients/{}/notes", chart(rng))).await?,
        Op::Register => {
            let family = format!("Bench{}", rng.gen_range(0..1_000_000));
            let r = s
                .post_form(
                    "/patients",
                    &[
                        ("given_name", "Load"),
                        ("family_name", &family),
                        ("sex", "other"),
                        ("birth_date", "1990-05-05"),
                        ("register_anyway", "on"),
                    ],
                )
                .await?;
            if r.status == StatusCode::SEE_OTHER {
                s.cookies.remove("hearth_flash");
            }
            r
        }
        Op::Vitals => {
            let id = data.patient(Cohort::Normal, rng);
            let pulse = rng.gen_range(50..120).to_string();
            let r = s
                .post_form(
                    &format!("/patients/{id}/vitals"),
                    &[("pulse", &pulse), ("bp_systolic", "128"), ("bp_diastolic", "82"), ("spo2", "97")],
                )
                .await?;
            s.cookies.remove("hearth_flash");
            r
        }
        Op::Note => {
            let id = data.patient(Cohort::Normal, rng);
            let r = s
                .post_form(
                    &format!("/patients/{id}/notes"),
                    &[
                        ("template", "progress"),
                        ("title", "Ward round"),
                        ("body", "Comfortable overnight. Observations stable. Plan: continue."),
                    ],
                )
                .await?;
            s.cookies.remove("hearth_flash");
            r
        }
        Op::AuditList => s.get("/audit").await?,
        Op::SlotSearch => s.api_get(&format!("/api/v1/appointments/slots?from={}&days=7&limit=50", day(rng))).await?,
        Op::BookAppointment => {
            let found = s.api_get(&format!("/api/v1/appointments/slots?from={}&days=7&limit=20", day(rng))).await?;
            let slots: serde_json::Value = serde_json::from_str(&found.body).unwrap_or_default();
            let Some(list) = slots.as_array().filter(|l| !l.is_empty()) else {
                return Ok(false);
            };
            let slot = list[rng.gen_range(0..list.len())]["id"].as_str().unwrap_or_default().to_string();
            let id = data.patient(Cohort::Normal, rng);
            let r = s
                .post_form(
                    &format!("/patients/{id}/appointments"),
                    &[("slot_id", &slot), ("visit_type", "new"), ("reason", "Benchmark booking")],
                )
                .await?;
            s.cookies.remove("hearth_flash");
            // Another client taking the same seat first is a correct answer (409), not an error.
            if r.status == StatusCode::CONFLICT {
                return Ok(true);
            }
            r
        }
        Op::BedBoard => s.get("/inpatient").await?,
        Op::EdBoard => s.get("/emergency/board/rows").await?,
        Op::RxVerifyQueue => s.get("/pharmacy/verify").await?,
        Op::LabCollect => s.get("/laboratory/collect").await?,
        Op::LabWorksheet => s.get("/laboratory/worksheet?section=biochemistry").await?,
        Op::RadiologyWorklist => {
            let today = time::OffsetDateTime::now_utc().date();
            let m = crate::modules::MODALITIES[rng.gen_range(0..crate::modules::MODALITIES.len())];
            s.api_get(&format!("/api/v1/radiology/worklist?day={today}&modality={m}")).await?
        }
        Op::TheatreBoard => s.get("/surgery/board/rows").await?,
        Op::EmarWard => match data.modules.ward {
            Some(w) => s.get(&format!("/emar?ward={w}")).await?,
            None => return Ok(false),
        },
        Op::BillingWorklist => s.get("/billing").await?,
        Op::InvoiceDraft => {
            let Some(id) = billing_patient(data, email, rng) else {
                return Ok(false);
            };
            let built = s.post_form(&format!("/patients/{id}/billing/invoices"), &[]).await?;
            s.cookies.remove("hearth_flash");
            let invoice = format!("/patients/{id}/billing/invoices/");
            if built.status != StatusCode::SEE_OTHER || !built.location.starts_with(&invoice) {
                return Ok(false);
            }
            let page = s.get(&built.location).await?;
            if !page.status.is_success() {
                return Ok(false);
            }
            let r =
                s.post_form(&format!("{}/cancel", built.location), &[("reason", "Benchmark draft, cancelled")]).await?;
            s.cookies.remove("hearth_flash");
            if r.location != built.location {
                return Ok(false);
            }
            r
        }
        Op::BednetPublic => {
            // Half of the requests refresh the last point with its ETag (a phone re-asking),
            // the others ask from a new point near a facility.
            match s.last_public.clone().filter(|_| rng.gen_bool(0.5)) {
                Some(path) => s.public_get(&path, true).await?,
                None => {
                    let Some(path) = availability_path(data, rng) else {
                        return Ok(false);
                    };
                    s.public_get(&path, false).await?
                }
            }
        }
        Op::BednetBoard => s.get("/bednet").await?,
        Op::FhirPatientSearch => {
            let p = PREFIXES[rng.gen_range(0..PREFIXES.len())];
            s.api_get(&format!("/fhir/Patient?family={p}")).await?
        }
        Op::FhirObservations => {
            let id = data.patient(Cohort::Normal, rng);
            s.api_get(&format!("/fhir/Observation?patient={id}&category=vital-signs")).await?
        }
        Op::InsuranceClaims => s.get("/insurance/claims").await?,
    };
    let good = ok(&r) && !(matches!(op, Op::Register | Op::BookAppointment) && r.body.contains("field-error"));
    Ok(good)
}

/// A billing patient of this client's own share (the clients' accounts are `bench{k}`; one
/// client per account, so two clients never bill the same patient at once).
fn billing_patient(data: &Data, email: &str, rng: &mut StdRng) -> Option<uuid::Uuid> {
    let k: usize = email.trim_start_matches("bench").split('@').next()?.parse().ok()?;
    let mine: Vec<uuid::Uuid> =
        data.modules.billing.iter().enumerate().filter(|(i, _)| i % crate::seed::USERS == k).map(|(_, p)| *p).collect();
    (!mine.is_empty()).then(|| mine[rng.gen_range(0..mine.len())])
}

/// The public availability from a random point near one of the network's public facilities
/// (up to 0.05°, ~5 km, from it on a 0.01° grid).
fn availability_path(data: &Data, rng: &mut StdRng) -> Option<String> {
    let points = &data.modules.network;
    if points.is_empty() {
        return None;
    }
    let (lat, lon) = points[rng.gen_range(0..points.len())];
    let lat = lat + f64::from(rng.gen_range(-5..=5i32)) / 100.0;
    let lon = lon + f64::from(rng.gen_range(-5..=5i32)) / 100.0;
    Some(format!("/api/v1/availability?lat={lat:.2}&lon={lon:.2}"))
}

/// A day of the coming weeks, `YYYY-MM-DD` (the clinics are materialised eight weeks ahead).
fn day(rng: &mut StdRng) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(rng.gen_range(0..40));
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_from_the_meta_tag() {
        let html = r#"<head><meta name="csrf-token" content="abc123"></head>"#;
        assert_eq!(extract_csrf(html).as_deref(), Some("abc123"));
        assert_eq!(extract_csrf(r#"<meta name="csrf-token" content="">"#), None);
        assert_eq!(extract_csrf("<p>no token</p>"), None);
    }
}
