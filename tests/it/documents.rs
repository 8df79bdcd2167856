//! The chart's document archive (upload, sniffing, versions, checksums, preview and download
//! with audit, permissions, restricted records, merge, API) and the whole-record export.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::helpers::*;

/// A minimal well-formed PDF: header, one object, a cross-reference table, startxref, %%EOF.
pub fn pdf() -> Vec<u8> {
    let mut v = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    let xref = v.len();
    v.extend_from_slice(b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer << /Size 2 /Root 1 0 R >>\n");
    v.extend_from_slice(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
    v
}

fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(&[0u8, 0, 0, 13, b'I', b'H', b'D', b'R', 0xAB, 0xCD]);
    v
}

fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Registers a patient (born 1970-05-01) through the UI and returns its id.
async fn patient(app: &mut TestApp, given: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", "Archer"),
        ("sex", "female"),
        ("birth_date", "1970-05-01"),
    ])
    .await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&app.pool).await.unwrap()
}

/// A GET with the browser's cookies, keeping the body as bytes.
async fn get_bytes(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let req = app.builder(Method::GET, path).body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn multipart_body(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "docstestboundary7311";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A multipart API call with a bearer token.
async fn api_upload(
    app: &TestApp,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> TestResponse {
    let (ct, body) = multipart_body(fields, Some(file));
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// Uploads through the page form; returns the new document's id (from the redirect).
async fn upload(app: &mut TestApp, pid: &str, fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> String {
    let r = app.post_multipart(&format!("/patients/{pid}/documents"), fields, ("file", name, bytes), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let prefix = format!("/patients/{pid}/documents/");
    assert!(r.location().starts_with(&prefix), "{}", r.location());
    r.location()[prefix.len()..].to_string()
}

#[tokio::test]
async fn pdf_and_png_are_stored_listed_previewed_and_downloaded_with_audit() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Ada").await;
    let letter = upload(
        &mut app,
        &pid,
        &[("title", "Referral from Dr Grey"), ("category", "referral_letter"), ("document_date", "2025-11-03")],
        "referral.pdf",
        &pdf(),
    )
    .await;
    // No title: the file name without its extension.
    let xray = upload(&mut app, &pid, &[("category", "imaging_report")], "Chest X-ray.PNG", &png()).await;
    assert_eq!(app.audit_count("document.upload").await, 2);

    // The tab lists both, newest first, with the banner and the tab marked current.
    let list = app.get(&format!("/patients/{pid}/documents")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Archer, Ada") && list.body.contains("Allergies not recorded"), "banner");
    assert!(list.body.contains(&format!("href=\"/patients/{pid}/documents\" aria-current=\"page\">Documents")));
    let (a, b) = (list.body.find("Chest X-ray").unwrap(), list.body.find("Referral from Dr Grey").unwrap());
    assert!(a < b, "newest first");
    assert!(list.body.contains("Referral letter") && list.body.contains("Nov 3, 2025"));
    assert!(list.body.contains(&format!("/patients/{pid}/documents/{letter}/versions/1/content?download=1")));
    // Listing reads no contents and audits no document access, only the chart view.
    assert_eq!(app.audit_count("document.view").await, 0);

    // The image previews inline through the content URL; the PDF opens through a link.
    let page = app.get(&format!("/patients/{pid}/documents/{xray}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let src = format!("/patients/{pid}/documents/{xray}/versions/1/content");
    assert!(page.body.contains(&format!("<img src=\"{src}\"")), "inline image preview");
    assert!(page.body.contains(&sha_hex(&png())), "checksum shown");
    let page = app.get(&format!("/patients/{pid}/documents/{letter}")).await;
    assert!(page.body.contains("Open PDF") && !page.body.contains("<img src=\"/patients/"));

    let (status, h, bytes) = get_bytes(&app, &src).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, png());
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert!(h[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline; filename=\"Chest X-ray.PNG\""));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::CACHE_CONTROL], "private, no-store");

    let (status, h, bytes) = get_bytes(&app, &format!("/patients/{pid}/documents/{letter}/versions/1/content")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((h[header::CONTENT_TYPE].to_str().unwrap(), bytes), ("application/pdf", pdf()));
    assert!(h[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline"));
    let (_, h, bytes) =
        get_bytes(&app, &format!("/patients/{pid}/documents/{letter}/versions/1/content?download=1")).await;
    assert_eq!(bytes, pdf());
    assert!(h[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\"referral.pdf\""));

    // Every access is audited against the patient.
    let rows: Vec<(String, Option<String>, Value)> = sqlx::query_as(
        "SELECT action, patient_id::text, changes FROM audit_events
         WHERE action IN ('document.view', 'document.download') ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["document.view", "document.view", "document.download"]);
    assert!(rows.iter().all(|r| r.1.as_deref() == Some(pid.as_str()) && r.2["version"] == 1));

    // The checksum stored is the SHA-256 of the bytes stored.
    let rows: Vec<(Vec<u8>, Vec<u8>, i32)> = sqlx::query_as(
        "SELECT v.sha256, c.data, v.byte_size FROM document_versions v JOIN document_contents c USING (document_id, version)",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for (sha, data, size) in rows {
        assert_eq!(sha, Sha256::digest(&data).to_vec());
        assert_eq!(size as usize, data.len());
    }
    // Unknown document, version or another patient's document: 404.
    assert_eq!(
        app.get(&format!("/patients/{pid}/documents/{letter}/versions/2/content")).await.status,
        StatusCode::NOT_FOUND
    );
    let other = patient(&mut app, "Bea").await;
    assert_eq!(app.get(&format!("/patients/{other}/documents/{letter}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/patients/{other}/documents/{letter}/versions/1/content")).await.status,
        StatusCode::NOT_FOUND
    );
    // The upload shows on the chart timeline.
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(
        chart.body.contains(&format!("/patients/{pid}/documents/{letter}")) && chart.body.contains("Referral Letter")
    );
}

#[tokio::test]
async fn a_new_version_keeps_the_old_ones() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app, "Ada").await;
    let doc =
        upload(&mut app, &pid, &[("title", "Consent"), ("category", "consent_form")], "consent.pdf", &pdf()).await;
    let mut v2 = pdf();
    v2.extend_from_slice(b"% signed copy\n");
    let url = format!("/patients/{pid}/documents/{doc}/versions");
    let r = app.post_multipart(&url, &[("comment", "Signed copy")], ("file", "consent-signed.pdf", &v2), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A lying file as a new version: refused, nothing added.
    let r = app.post_multipart(&url, &[], ("file", "consent-v3.pdf", &png()), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not what its name says"), "{}", r.body);

    let current: i32 = sqlx::query_scalar("SELECT current_version FROM documents").fetch_one(&app.pool).await.unwrap();
    assert_eq!(current, 2);
    assert_eq!(count(&app, "document_versions").await, 2);
    let (_, _, old) = get_bytes(&app, &format!("/patients/{pid}/documents/{doc}/versions/1/content")).await;
    let (_, _, new) = get_bytes(&app, &format!("/patients/{pid}/documents/{doc}/versions/2/content")).await;
    assert_eq!((old, new), (pdf(), v2.clone()));
    let page = app.get(&format!("/patients/{pid}/documents/{doc}")).await;
    assert!(
        page.body.contains("Version 2 of 2") && page.body.contains("Signed copy") && page.body.contains("consent.pdf")
    );
    assert!(page.body.contains(&sha_hex(&v2)));
    let old_page = app.get(&format!("/patients/{pid}/documents/{doc}?version=1")).await;
    assert!(old_page.body.contains("Version 1 of 2") && old_page.body.contains("not the current version"));
    assert_eq!(app.audit_count("document.version").await, 1);
    // Stored versions cannot be changed or removed, even by SQL.
    assert!(sqlx::query("UPDATE document_versions SET comment = 'x'").execute(&app.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM document_contents").execute(&app.pool).await.is_err());
    assert_eq!(count(&app, "document_contents").await, 2);
}

#[tokio::test]
async fn lying_oversized_and_forged_uploads_are_refused_and_store_nothing() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Ada").await;
    let url = format!("/patients/{pid}/documents");
    let fields = [("title", "Lab"), ("category", "lab_report")];
    for (name, bytes, msg) in [
        ("scan.pdf", png(), "not what its name says"),
        ("notes.pdf", b"just some text, honestly".to_vec(), "not what its name says"),
        ("photo.jpg", pdf(), "not what its name says"),
        ("letter.docx", pdf(), "named .pdf, .jpg, .jpeg or .png"),
        ("empty.pdf", Vec::new(), "The file is empty"),
    ] {
        let r = app.post_multipart(&url, &fields, ("file", name, &bytes), true).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.body.contains(msg), "{name}: {}", r.body);
        assert!(r.body.contains("value=\"Lab\""), "keeps what was typed");
    }
    // Bad metadata with a good file: refused too.
    let r = app
        .post_multipart(
            &url,
            &[("category", "gossip"), ("document_date", "2999-01-01")],
            ("file", "a.pdf", &pdf()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose a category") && r.body.contains("document date is in the future"));
    let r = app
        .post_multipart(
            &url,
            &[("category", "other"), ("document_date", "1960-01-01")],
            ("file", "a.pdf", &pdf()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("s date of birth"), "{}", r.body);
    // Too large: 413.
    let mut big = pdf();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let r = app.post_multipart(&url, &fields, ("file", "big.pdf", &big), true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("larger than 10 MiB"));
    // Without or with a wrong CSRF token: 403.
    let r = app.post_multipart(&url, &fields, ("file", "a.pdf", &pdf()), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.post_multipart(&format!("{url}?csrf_token=forged"), &fields, ("file", "a.pdf", &pdf()), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for t in ["documents", "document_versions", "document_contents"] {
        assert_eq!(count(&app, t).await, 0, "{t}");
    }
    assert_eq!(app.audit_count("document.upload").await, 0);
    // Exactly at the limit is accepted.
    let mut max = pdf();
    max.resize(10 * 1024 * 1024, b' ');
    upload(&mut app, &pid, &fields, "max.pdf", &max).await;
    let size: i32 = sqlx::query_scalar("SELECT byte_size FROM document_versions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(size, 10 * 1024 * 1024);
}

#[tokio::test]
async fn permissions_and_restricted_records_guard_documents() {
    let (mut doc, doc_email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut doc, "Ada").await;
    let d = upload(&mut doc, &pid, &[("category", "other")], "a.pdf", &pdf()).await;
    let content = format!("/patients/{pid}/documents/{d}/versions/1/content");

    // Receptionists hold no chart.read: 403 on the tab, the document and its bytes.
    let email = doc.user("receptionist").await;
    let mut rec = doc.another_client();
    rec.login(&email, PASSWORD).await;
    for path in [format!("/patients/{pid}/documents"), format!("/patients/{pid}/documents/{d}"), content.clone()] {
        assert_eq!(rec.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = rec
        .post_multipart(
            &format!("/patients/{pid}/documents"),
            &[("category", "other")],
            ("file", "b.pdf", &pdf()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Pharmacists read the chart but do not write it: no upload form, upload refused.
    let email = doc.user("pharmacist").await;
    let mut ph = doc.another_client();
    ph.login(&email, PASSWORD).await;
    let page = ph.get(&format!("/patients/{pid}/documents")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Upload document"));
    let r = ph
        .post_multipart(
            &format!("/patients/{pid}/documents"),
            &[("category", "other")],
            ("file", "b.pdf", &pdf()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&doc, "documents").await, 1);
    assert_eq!(doc.audit_count("document.view").await, 0);

    // A restricted record (restricted by a holder of patients.restricted, the doctor on its care
    // team): a nurse outside the care team is sent to break the glass; the API says 403.
    let mut sa = doc.another_client();
    sa.login(&doc.user("super_admin").await, PASSWORD).await;
    let r = sa.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = sa.post_form(&format!("/patients/{pid}/care-team"), &[("email", &doc_email), ("role", "GP")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let banner = doc.get(&format!("/patients/{pid}/documents")).await;
    assert!(banner.body.contains("Restricted record"), "the banner shows the restriction");
    let email = doc.user("nurse").await;
    let mut nurse = doc.another_client();
    nurse.login(&email, PASSWORD).await;
    for path in [format!("/patients/{pid}/documents"), format!("/patients/{pid}/documents/{d}"), content.clone()] {
        let r = nurse.get(&path).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, format!("/patients/{pid}").as_str()), "{path}");
    }
    let r = nurse
        .post_multipart(
            &format!("/patients/{pid}/documents"),
            &[("category", "other")],
            ("file", "b.pdf", &pdf()),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let token = nurse.api_token(&email).await;
    for path in [format!("/api/v1/patients/{pid}/documents"), format!("/api/v1{content}")] {
        let r = nurse.api(Method::GET, &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(count(&doc, "documents").await, 1);
    assert_eq!(doc.audit_count("document.view").await + doc.audit_count("document.download").await, 0);
    // After breaking the glass the nurse may open it, and that is audited.
    let r = nurse
        .post_form(
            &format!("/patients/{pid}/break-glass"),
            &[("reason_code", "emergency_treatment"), ("reason", "Emergency: collapsed in ED")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (status, _, bytes) = get_bytes(&nurse, &content).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf()));
    assert_eq!(doc.audit_count("document.view").await, 1);
}

#[tokio::test]
async fn merge_moves_documents_to_the_survivor() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let a = patient(&mut app, "Ada").await; // TST-000001
    let b = patient(&mut app, "Adah").await; // TST-000002
    let d =
        upload(&mut app, &b, &[("title", "Old discharge letter"), ("category", "discharge_summary")], "d.pdf", &pdf())
            .await;
    let r = app
        .post_form(&format!("/patients/{b}/merge"), &[("other", "TST-000001"), ("keep", "other"), ("confirm", "on")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let owner: String =
        sqlx::query_scalar("SELECT patient_id::text FROM documents").fetch_one(&app.pool).await.unwrap();
    assert_eq!(owner, a);
    let moved: Value = sqlx::query_scalar("SELECT changes FROM audit_events WHERE action = 'patient.merge'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(moved["moved"]["documents"], 1, "{moved}");
    assert!(app.get(&format!("/patients/{a}/documents")).await.body.contains("Old discharge letter"));
    let (status, _, bytes) = get_bytes(&app, &format!("/patients/{a}/documents/{d}/versions/1/content")).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf()));
    // The merged record's chart says where the chart went and takes no new documents.
    let merged = app.get(&format!("/patients/{b}/documents")).await;
    assert!(merged.body.contains("Merged into TST-000001") && merged.body.contains(&format!("/patients/{a}/chart")));
    assert!(!merged.body.contains("Old discharge letter"));
    let r = app
        .post_multipart(&format!("/patients/{b}/documents"), &[("category", "other")], ("file", "x.pdf", &pdf()), true)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, "documents").await, 1);
}

#[tokio::test]
async fn api_uploads_lists_and_downloads_documents() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    let pid = patient(&mut app, "Ada").await;
    let token = app.api_token(&email).await;
    let base = format!("/api/v1/patients/{pid}/documents");

    let r = api_upload(
        &app,
        &base,
        &token,
        &[("title", "Lab results"), ("category", "lab_report"), ("document_date", "2026-01-05")],
        ("labs.pdf", &pdf()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    assert_eq!(created["version"], 1);
    assert_eq!(created["sha256"], sha_hex(&pdf()));
    assert_eq!(created["content_type"], "application/pdf");
    let id = created["id"].as_str().unwrap().to_string();

    // Lying and bad uploads: problem+json 422, nothing stored.
    let r = api_upload(&app, &base, &token, &[("category", "lab_report")], ("labs2.pdf", &png())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.content_type(), "application/problem+json");
    assert!(r.json()["detail"].as_str().unwrap().contains("file: The file is not what its name says"));
    let r = api_upload(&app, &base, &token, &[("category", "nope")], ("x.png", &png())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"].as_str().unwrap().contains("category:"));
    let r = app.api(Method::POST, &base, Some(&token), Some(json!({"category": "other"}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "JSON is not a multipart upload");
    assert_eq!(r.content_type(), "application/problem+json");
    assert_eq!(count(&app, "documents").await, 1);

    // A new version.
    let r = api_upload(
        &app,
        &format!("{base}/{id}/versions"),
        &token,
        &[("comment", "Corrected")],
        ("labs-v2.png", &png()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["version"], 2);

    let list = app.api(Method::GET, &base, Some(&token), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json()["items"].clone();
    assert_eq!(list[0]["title"], "Lab results");
    assert_eq!(list[0]["category"], "lab_report");
    assert_eq!(list[0]["document_date"], "2026-01-05");
    assert_eq!(list[0]["current_version"], 2);
    assert_eq!(list[0]["versions"][0]["version"], 2);
    assert_eq!(list[0]["versions"][0]["comment"], "Corrected");
    assert_eq!(list[0]["versions"][1]["sha256"], sha_hex(&pdf()));
    let one = app.api(Method::GET, &format!("{base}/{id}"), Some(&token), None).await;
    assert_eq!(one.json()["versions"].as_array().unwrap().len(), 2);

    let r = app.api(Method::GET, &format!("{base}/{id}/versions/1/content"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "application/pdf");
    assert_eq!(r.body.as_bytes(), &pdf()[..]);
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert_eq!(app.audit_count("document.download").await, 1);
    let r = app.api(Method::GET, &format!("{base}/{id}/versions/3/content"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Receptionists: 403 on every document endpoint.
    let rec = app.user("receptionist").await;
    let rt = app.api_token(&rec).await;
    assert_eq!(app.api(Method::GET, &base, Some(&rt), None).await.status, StatusCode::FORBIDDEN);
    let r = api_upload(&app, &base, &rt, &[("category", "other")], ("a.pdf", &pdf())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Described in the OpenAPI document.
    let doc = app.api(Method::GET, "/api/openapi.json", None, None).await.json();
    let paths = &doc["paths"];
    assert!(
        paths["/api/v1/patients/{id}/documents"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object()
    );
    assert!(paths["/api/v1/patients/{id}/documents/{doc}/versions/{n}/content"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Document"].is_object());
}

#[tokio::test]
async fn export_includes_the_clinical_record() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    let pid = patient(&mut app, "Ada").await;
    let token = app.api_token(&email).await;
    let base = format!("/api/v1/patients/{pid}");
    for (path, body) in [
        ("problems", json!({"icd_code": "J45.909", "onset_date": "2001-06-01"})),
        ("allergies", json!({"substance_code": "peanut", "severity": "severe", "reaction": "Angioedema"})),
        ("vitals", json!({"temperature_c": 36.9, "pulse": 72, "weight_kg": 60, "height_cm": 165})),
        ("medications", json!({"name": "Salbutamol", "dose": "100 micrograms", "route": "inhaled"})),
        ("encounters", json!({"kind": "telephone", "status": "in_progress", "reason": "Asthma check"})),
        (
            "notes",
            json!({"template": "progress", "title": "Call", "body": "Wheeze settled on salbutamol.", "sign": true}),
        ),
    ] {
        let r = app.api(Method::POST, &format!("{base}/{path}"), Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
        if path == "notes" {
            let nid = r.json()["id"].as_str().unwrap().to_string();
            let r = app
                .api(
                    Method::POST,
                    &format!("{base}/notes/{nid}/addenda"),
                    Some(&token),
                    Some(json!({"body": "Peak flow 420."})),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
    }
    upload(&mut app, &pid, &[("title", "Spirometry"), ("category", "lab_report")], "spiro.pdf", &pdf()).await;

    let r = app.get(&format!("/patients/{pid}/export.json")).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["format"], "hearth.patient-export/1");
    assert_eq!(doc["patient"]["given_name"], "Ada");
    assert_eq!(doc["problems"][0]["icd_code"], "J45.909");
    assert_eq!(doc["allergies"]["assessment"], "recorded");
    assert_eq!(doc["allergies"]["items"][0]["substance"], "Peanut");
    assert_eq!(doc["vital_signs"][0]["pulse"], 72.0);
    assert_eq!(doc["home_medications"][0]["name"], "Salbutamol");
    assert_eq!(doc["encounters"][0]["reason"], "Asthma check");
    assert_eq!(doc["notes"][0]["body"], "Wheeze settled on salbutamol.", "decrypted note text");
    assert_eq!(doc["notes"][0]["status"], "signed");
    assert_eq!(doc["notes"][0]["addenda"][0]["body"], "Peak flow 420.");
    let d = &doc["documents"][0];
    assert_eq!(d["title"], "Spirometry");
    assert_eq!(d["versions"][0]["sha256"], sha_hex(&pdf()));
    assert!(d["versions"][0]["content_href"].as_str().unwrap().ends_with("/versions/1/content"));
    assert!(!r.body.contains("%PDF"), "document contents are not exported");
    // A doctor reads the whole clinical record; only the billing ledger (charges.read) is left out.
    assert_eq!(doc["omitted_sections"], json!(["charges"]));
    let changes: Value = sqlx::query_scalar("SELECT changes FROM audit_events WHERE action = 'patient.export'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let sections: usize = hearth::REGISTRY.modules().filter_map(|m| m.export.as_ref()).map(|e| e.sections.len()).sum();
    assert_eq!(changes["clinical_sections"].as_array().unwrap().len(), sections - 1);
    assert!(!changes.to_string().contains("Wheeze"), "note text never enters the audit log");

    // The API export is the same document.
    let api = app.api(Method::GET, &format!("{base}/export"), Some(&token), None).await.json();
    assert_eq!(api["notes"][0]["body"], "Wheeze settled on salbutamol.");

    // Without chart.read (a receptionist) the clinical sections are left out, and say so.
    let rec = app.user("receptionist").await;
    let mut r2 = app.another_client();
    r2.login(&rec, PASSWORD).await;
    let doc = r2.get(&format!("/patients/{pid}/export.json")).await.json();
    assert_eq!(doc["patient"]["given_name"], "Ada");
    assert!(doc.get("notes").is_none() && doc.get("documents").is_none());
    // What is left for the front desk: the modules whose read permission a receptionist holds
    // (the bookings, the stays and the ED visits they register).
    let front_desk =
        ["appointments", "inpatient_admissions", "inpatient_transfers", "emergency_visits", "emergency_triages"];
    let omitted = doc["omitted_sections"].as_array().unwrap();
    assert_eq!(omitted.len(), sections - front_desk.len(), "{omitted:?}");
    for s in front_desk {
        assert!(!omitted.iter().any(|o| o == s), "{s} is the front desk's");
    }
    for s in ["notes", "documents", "problems", "allergies", "vital_signs"] {
        assert!(omitted.iter().any(|o| o == s), "{s} is left out: {omitted:?}");
    }
}

#[tokio::test]
async fn banner_shows_restricted_merged_and_deceased_states() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let pid = patient(&mut app, "Ada").await;
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(!chart.body.contains("Restricted record") && !chart.body.contains("Deceased"));
    app.post_form(&format!("/patients/{pid}/restricted"), &[("restricted", "true")]).await;
    assert!(app.get(&format!("/patients/{pid}/vitals")).await.body.contains("Restricted record"));
    let r = app
        .post_form(&format!("/patients/{pid}/death"), &[("death_date", "2026-01-02"), ("death_time", "04:30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Deceased Jan 2, 2026, 04:30"), "alert");
    assert!(!chart.body.contains("Record closed (inactive patient)"));
}
