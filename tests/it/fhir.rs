//! The FHIR R4 facade through HTTP: the CapabilityStatement, OperationOutcome errors (401, 404,
//! 406), Patient search (names without accents or case, birthdate prefixes, identifier tokens,
//! paging), restricted and other facilities' records, vital signs as LOINC/UCUM Observations.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// A doctor signed in, with an API token.
async fn doctor() -> (TestApp, String) {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    (app, token)
}

async fn fhir_req(app: &mut TestApp, path: &str, token: Option<&str>, accept: Option<&str>) -> TestResponse {
    let mut b = Request::builder().method(Method::GET).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(a) = accept {
        b = b.header(header::ACCEPT, a);
    }
    app.request(b.body(Body::empty()).unwrap()).await
}

async fn fhir(app: &mut TestApp, path: &str, token: &str) -> Value {
    let r = fhir_req(app, path, Some(token), Some("application/fhir+json")).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    assert!(r.content_type().starts_with("application/fhir+json"), "{path}");
    // `HEARTH_FHIR_DUMP=dir`: keep every answer for `tools/validate_fhir.py dir`.
    if let Ok(dir) = std::env::var("HEARTH_FHIR_DUMP") {
        let name: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(120).collect();
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(format!("{dir}/{}-{name}.json", uuid::Uuid::new_v4()), &r.body);
    }
    r.json()
}

fn assert_outcome(r: &TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.content_type().starts_with("application/fhir+json"), "{}", r.content_type());
    let v = r.json();
    assert_eq!(v["resourceType"], "OperationOutcome", "{}", r.body);
    assert!(v["issue"][0]["code"].is_string());
}

/// Ids of a searchset's entries.
fn ids(b: &Value) -> Vec<String> {
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "searchset");
    b["entry"]
        .as_array()
        .map(|e| e.iter().map(|x| x["resource"]["id"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn register(app: &mut TestApp, given: &str, family: &str, sex: &str, birth: &str) -> String {
    app.register_patient(&[("given_name", given), ("family_name", family), ("sex", sex), ("birth_date", birth)]).await
}

#[tokio::test]
async fn fhir_metadata_lists_only_implemented_types() {
    let (mut app, token) = doctor().await;
    // Public: no token needed.
    let r = fhir_req(&mut app, "/fhir/metadata", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cs = r.json();
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["format"], json!(["json"]));
    let mut types: Vec<String> =
        cs["rest"][0]["resource"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap().to_string()).collect();
    types.sort();
    assert_eq!(types, ["AllergyIntolerance", "Condition", "Encounter", "Observation", "Organization", "Patient"]);
    for res in cs["rest"][0]["resource"].as_array().unwrap() {
        let ty = res["type"].as_str().unwrap();
        // Every listed interaction is read or search-type: nothing is claimed that is not served.
        for i in res["interaction"].as_array().unwrap() {
            assert!(matches!(i["code"].as_str().unwrap(), "read" | "search-type"), "{ty}");
        }
        // Each listed type is served (a compartment type asks for its patient: 400, not 404).
        let r = fhir_req(&mut app, &format!("/fhir/{ty}"), Some(&token), None).await;
        assert!(r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST, "{ty}: {}", r.status);
        // Each listed search parameter is accepted.
        for p in res["searchParam"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            let r = fhir_req(&mut app, &format!("/fhir/{ty}?{name}=x"), Some(&token), None).await;
            assert!(!r.body.contains("is not supported"), "{ty}?{name}: {}", r.body);
        }
    }
    // A type it does not list is not served.
    let r = fhir_req(&mut app, "/fhir/Practitioner", Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fhir_errors_are_operation_outcomes() {
    let (mut app, token) = doctor().await;
    let r = fhir_req(&mut app, "/fhir/Patient", None, None).await;
    assert_outcome(&r, StatusCode::UNAUTHORIZED);
    assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());
    let r = fhir_req(&mut app, "/fhir/Patient", Some("not-a-token"), None).await;
    assert_outcome(&r, StatusCode::UNAUTHORIZED);
    assert!(app.audit_count("security.bad_token").await >= 1);
    // XML is not served, by Accept or by _format.
    let r = fhir_req(&mut app, "/fhir/Patient", Some(&token), Some("application/fhir+xml")).await;
    assert_outcome(&r, StatusCode::NOT_ACCEPTABLE);
    let r = fhir_req(&mut app, "/fhir/metadata?_format=xml", None, None).await;
    assert_outcome(&r, StatusCode::NOT_ACCEPTABLE);
    // Unknown type, unknown id, unknown parameter, a write.
    let r = fhir_req(&mut app, "/fhir/Spaceship", Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
    let r = fhir_req(&mut app, "/fhir/Spaceship/1", Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
    let r = fhir_req(&mut app, &format!("/fhir/Patient/{}", uuid::Uuid::new_v4()), Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
    let r = fhir_req(&mut app, "/fhir/Patient/not-a-uuid", Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
    let r = fhir_req(&mut app, "/fhir/Patient?shoe_size=9", Some(&token), None).await;
    assert_outcome(&r, StatusCode::BAD_REQUEST);
    let r = fhir_req(&mut app, "/fhir/Patient?birthdate=1980", Some(&token), None).await;
    assert_outcome(&r, StatusCode::BAD_REQUEST);
    let r = app
        .request(
            Request::builder()
                .method(Method::POST)
                .uri("/fhir/Patient")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/fhir+json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_outcome(&r, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(app.patient_count().await, 0);
}

#[tokio::test]
async fn fhir_patient_search_by_name_prefix_ignores_accents_and_case() {
    let (mut app, token) = doctor().await;
    let zoe = register(&mut app, "Zoë", "Ångström", "female", "1970-03-04").await;
    register(&mut app, "Adam", "Smith", "male", "1971-01-01").await;
    for q in ["name=angs", "name=ZOE", "family=ANGSTR", "given=zo", "name=zo&name=ång", "family=angström&gender=female"]
    {
        let b = fhir(&mut app, &format!("/fhir/Patient?{q}"), &token).await;
        assert_eq!(ids(&b), std::slice::from_ref(&zoe), "{q}");
    }
    // Starts-with on a name part, not anywhere inside it; and every criterion must hold.
    for q in ["name=ngstrom", "given=angstrom", "family=zoe", "name=zoe&gender=male", "name=oë"] {
        let b = fhir(&mut app, &format!("/fhir/Patient?{}", q.replace('ë', "%C3%AB")), &token).await;
        assert!(ids(&b).is_empty(), "{q}");
    }
    let b = fhir(&mut app, &format!("/fhir/Patient/{zoe}"), &token).await;
    assert_eq!(b["name"][0]["family"], "Ångström");
    assert_eq!(b["gender"], "female");
    assert_eq!(b["birthDate"], "1970-03-04");
    assert!(app.audit_count("patient.view").await >= 1);
}

#[tokio::test]
async fn fhir_patient_birthdate_prefixes() {
    let (mut app, token) = doctor().await;
    let early = register(&mut app, "Ann", "Datetest", "female", "1980-05-01").await;
    let late = register(&mut app, "Bob", "Datetest", "male", "1990-01-01").await;
    let cases: [(&str, Vec<&String>); 9] = [
        ("1980-05-01", vec![&early]),
        ("eq1980-05-01", vec![&early]),
        ("ne1980-05-01", vec![&late]),
        ("gt1980-05-01", vec![&late]),
        ("ge1980-05-01", vec![&early, &late]),
        ("lt1990-01-01", vec![&early]),
        ("le1990-01-01", vec![&early, &late]),
        ("lt1980-05-01", vec![]),
        ("sa1985-01-01", vec![&late]),
    ];
    for (d, want) in cases {
        let b = fhir(&mut app, &format!("/fhir/Patient?family=datetest&birthdate={d}"), &token).await;
        let mut got = ids(&b);
        got.sort();
        let mut want: Vec<String> = want.into_iter().cloned().collect();
        want.sort();
        assert_eq!(got, want, "birthdate={d}");
    }
    // A range: both bounds hold.
    let b = fhir(&mut app, "/fhir/Patient?family=datetest&birthdate=ge1985-01-01&birthdate=le1995-01-01", &token).await;
    assert_eq!(ids(&b), [late]);
}

#[tokio::test]
async fn fhir_patient_identifier_token() {
    let (mut app, token) = doctor().await;
    let pid = register(&mut app, "Ida", "Token", "female", "1960-02-02").await;
    register(&mut app, "Ivo", "Token", "male", "1961-02-02").await;
    let p = fhir(&mut app, &format!("/fhir/Patient/{pid}"), &token).await;
    let system = p["identifier"][0]["system"].as_str().unwrap().to_string();
    let mrn = p["identifier"][0]["value"].as_str().unwrap().to_string();
    assert!(system.ends_with("/fhir/sid/mrn/TST"), "{system}");
    let db_mrn: String = sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mrn, db_mrn);
    for q in [format!("{system}|{mrn}"), mrn.clone(), format!("|{mrn}")] {
        let q = serde_urlencoded::to_string([("identifier", q)]).unwrap();
        let b = fhir(&mut app, &format!("/fhir/Patient?{q}"), &token).await;
        assert_eq!(ids(&b), std::slice::from_ref(&pid), "{q}");
    }
    for q in [format!("http://other.example/mrn|{mrn}"), format!("{system}|{mrn}X")] {
        let q = serde_urlencoded::to_string([("identifier", q)]).unwrap();
        let b = fhir(&mut app, &format!("/fhir/Patient?{q}"), &token).await;
        assert!(ids(&b).is_empty(), "{q}");
    }
}

#[tokio::test]
async fn fhir_patient_search_pages_with_next_links() {
    let (mut app, token) = doctor().await;
    let mut all = Vec::new();
    for g in ["Amy", "Ben", "Cat"] {
        all.push(register(&mut app, g, "Pagetest", "unknown", "1999-09-09").await);
    }
    let b = fhir(&mut app, "/fhir/Patient?family=pagetest&_count=2", &token).await;
    assert_eq!(b["total"], 3);
    let first = ids(&b);
    assert_eq!(first.len(), 2);
    let next = b["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next").expect("a next link");
    let url = next["url"].as_str().unwrap();
    let path = &url[url.find("/fhir/").unwrap()..];
    let b2 = fhir(&mut app, path, &token).await;
    let second = ids(&b2);
    assert_eq!(second.len(), 1);
    assert!(b2["link"].as_array().unwrap().iter().all(|l| l["relation"] != "next"));
    let mut seen: Vec<String> = first.into_iter().chain(second).collect();
    seen.sort();
    all.sort();
    assert_eq!(seen, all);
    let c = fhir(&mut app, "/fhir/Patient?family=pagetest&_summary=count", &token).await;
    assert_eq!(c["total"], 3);
    assert!(c.get("entry").is_none());
}

#[tokio::test]
async fn fhir_restricted_patient_is_403_and_left_out_of_searches() {
    let (mut app, token) = doctor().await;
    let pid = register(&mut app, "Vera", "Vip", "female", "1950-01-01").await;
    let b = fhir(&mut app, "/fhir/Patient?family=vip", &token).await;
    assert_eq!(ids(&b), std::slice::from_ref(&pid));
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let b = fhir(&mut app, "/fhir/Patient?family=vip", &token).await;
    assert!(ids(&b).is_empty());
    assert_eq!(b["total"], 0);
    let r = fhir_req(&mut app, &format!("/fhir/Patient/{pid}"), Some(&token), None).await;
    assert_outcome(&r, StatusCode::FORBIDDEN);
    let r = fhir_req(&mut app, &format!("/fhir/Observation?patient={pid}"), Some(&token), None).await;
    assert_outcome(&r, StatusCode::FORBIDDEN);
    // A holder of patients.restricted reads it.
    let admin = app.user("super_admin").await;
    let mut other = app.another_client();
    let admin_token = other.api_token(&admin).await;
    let p = fhir(&mut other, &format!("/fhir/Patient/{pid}"), &admin_token).await;
    assert_eq!(p["id"], pid);
}

#[tokio::test]
async fn fhir_another_facilitys_patient_is_not_visible() {
    let (mut app, token) = doctor().await;
    let pid = register(&mut app, "Otto", "Elsewhere", "male", "1955-05-05").await;
    let other = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'OTH', 'Other Hospital')")
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE patients SET facility_id = $2 WHERE id = $1::uuid")
        .bind(&pid)
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    let b = fhir(&mut app, "/fhir/Patient?family=elsewhere", &token).await;
    assert!(ids(&b).is_empty());
    let r = fhir_req(&mut app, &format!("/fhir/Patient/{pid}"), Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
    let r = fhir_req(&mut app, &format!("/fhir/Condition?patient={pid}"), Some(&token), None).await;
    assert_outcome(&r, StatusCode::NOT_FOUND);
    // Both facilities are Organizations.
    let orgs = fhir(&mut app, "/fhir/Organization", &token).await;
    assert!(ids(&orgs).contains(&other.to_string()));
}

#[tokio::test]
async fn fhir_observation_vital_signs_carry_loinc_and_ucum() {
    let (mut app, token) = doctor().await;
    let pid = register(&mut app, "Val", "Vitals", "female", "1975-07-07").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/vitals"),
            Some(&token),
            Some(json!({"taken_at": "2026-11-30T08:00:00Z", "pulse": 80, "bp_systolic": 120, "bp_diastolic": 80, "temperature_c": 37.1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = fhir(&mut app, &format!("/fhir/Observation?patient=Patient/{pid}&category=vital-signs"), &token).await;
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{b}");
    let by_code = |code: &str| {
        entries
            .iter()
            .map(|e| &e["resource"])
            .find(|o| o["code"]["coding"][0]["code"] == code)
            .unwrap_or_else(|| panic!("no {code}"))
            .clone()
    };
    let hr = by_code("8867-4");
    assert_eq!(hr["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(hr["valueQuantity"]["value"], 80.0);
    assert_eq!(hr["valueQuantity"]["system"], "http://unitsofmeasure.org");
    assert_eq!(hr["valueQuantity"]["code"], "/min");
    assert_eq!(hr["category"][0]["coding"][0]["code"], "vital-signs");
    assert_eq!(hr["subject"]["reference"], format!("Patient/{pid}"));
    assert_eq!(by_code("8310-5")["valueQuantity"]["code"], "Cel");
    let bp = by_code("85354-9");
    assert_eq!(bp["component"][0]["code"]["coding"][0]["code"], "8480-6");
    assert_eq!(bp["component"][0]["valueQuantity"]["code"], "mm[Hg]");
    assert_eq!(bp["component"][1]["code"]["coding"][0]["code"], "8462-4");
    // code and date searches.
    let b = fhir(&mut app, &format!("/fhir/Observation?patient={pid}&code=http://loinc.org|8867-4"), &token).await;
    assert_eq!(ids(&b), [hr["id"].as_str().unwrap().to_string()]);
    let b = fhir(&mut app, &format!("/fhir/Observation?patient={pid}&date=2026-11-30"), &token).await;
    assert_eq!(ids(&b).len(), 3);
    let b = fhir(&mut app, &format!("/fhir/Observation?patient={pid}&date=gt2026-11-30"), &token).await;
    assert!(ids(&b).is_empty());
    let b = fhir(&mut app, &format!("/fhir/Observation?patient={pid}&category=laboratory"), &token).await;
    assert!(ids(&b).is_empty());
    // Read by id answers the same resource.
    let one = fhir(&mut app, &format!("/fhir/Observation/{}", hr["id"].as_str().unwrap()), &token).await;
    assert_eq!(one, hr);
}

#[tokio::test]
async fn fhir_condition_allergy_and_encounter_of_a_patient() {
    let (mut app, token) = doctor().await;
    let pid = register(&mut app, "Cora", "Chart", "female", "1965-06-06").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/problems"),
            Some(&token),
            Some(json!({"icd_code": "J45.909"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = fhir(&mut app, &format!("/fhir/Condition?patient={pid}"), &token).await;
    let cond = &b["entry"][0]["resource"];
    assert_eq!(cond["code"]["coding"][0]["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    assert_eq!(cond["code"]["coding"][0]["code"], "J45.909");
    assert_eq!(cond["clinicalStatus"]["coding"][0]["code"], "active");
    let id = cond["id"].as_str().unwrap();
    let one = fhir(&mut app, &format!("/fhir/Condition/{id}"), &token).await;
    assert_eq!(&one, cond);
    let b = fhir(&mut app, &format!("/fhir/AllergyIntolerance?patient={pid}"), &token).await;
    assert_eq!(b["total"], 0);
    let b = fhir(&mut app, &format!("/fhir/Encounter?patient={pid}"), &token).await;
    assert_eq!(b["total"], 0);
}
