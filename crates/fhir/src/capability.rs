//! `GET /fhir/metadata`: the CapabilityStatement, listing exactly what is implemented.

use serde_json::{json, Value};

use hearth_core::app::AppState;

use crate::resources::ResourceType;
use crate::search::parameters;

/// The FHIR type of each search parameter served.
fn param_type(name: &str) -> &'static str {
    match name {
        "birthdate" | "date" => "date",
        "gender" | "identifier" | "category" | "code" | "_id" => "token",
        "patient" | "subject" => "reference",
        _ => "string",
    }
}

pub fn statement(state: &AppState) -> Value {
    let base = format!("{}/fhir", state.config.base_url.trim_end_matches('/'));
    let resources: Vec<Value> = ResourceType::ALL
        .iter()
        .map(|t| {
            let params: Vec<Value> =
                parameters(*t).iter().map(|p| json!({ "name": p, "type": param_type(p) })).collect();
            json!({
                "type": t.name(),
                "interaction": [{ "code": "read" }, { "code": "search-type" }],
                "versioning": "no-version",
                "readHistory": false,
                "updateCreate": false,
                "searchParam": params,
            })
        })
        .collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-02",
        "publisher": "Hearth",
        "kind": "instance",
        "software": { "name": "Hearth", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Hearth FHIR R4 facade (read and search)", "url": base },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": {
                "cors": false,
                "description": "Bearer tokens from POST /api/v1/auth/token or a registered API client.",
                "service": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth" }], "text": "Bearer token" }]
            },
            "resource": resources,
            "searchParam": [
                { "name": "_count", "type": "number" },
                { "name": "_summary", "type": "token" }
            ]
        }]
    })
}
