//! The registry and the database must agree: what the modules declare (permissions, the tables
//! that hold patient ids, encrypted columns, the API) is what the schema has. Each test fails on
//! a kind of drift the hand-kept lists had (a permission in the database that no code checks, a
//! table a merge silently left behind, an encrypted column key rotation skipped).

use std::collections::{BTreeMap, BTreeSet};

use hearth::registry::OnMerge;
use hearth::REGISTRY;

use crate::helpers::*;

#[tokio::test]
async fn database_permissions_are_the_declared_ones_with_their_default_grants() {
    let app = TestApp::new().await;
    let declared: BTreeMap<&str, (&str, BTreeSet<&str>)> = REGISTRY
        .permissions()
        .map(|(_, p)| (p.perm.code(), (p.description, p.default_roles.iter().copied().collect())))
        .collect();
    assert_eq!(declared.len(), REGISTRY.permissions().count(), "a permission is declared twice");
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT code, description FROM permissions ORDER BY code").fetch_all(&app.pool).await.unwrap();
    let in_db: BTreeSet<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
    let codes: BTreeSet<&str> = declared.keys().copied().collect();
    assert_eq!(in_db, codes, "permissions in the database vs. declared by the modules");
    for (code, description) in &rows {
        assert_eq!(declared[code.as_str()].0, description, "{code}: description");
    }
    // A fresh database grants exactly the declared defaults, and super_admin holds everything.
    let grants: Vec<(String, String)> =
        sqlx::query_as("SELECT permission_code, role_code FROM role_permissions").fetch_all(&app.pool).await.unwrap();
    for (code, (_, roles)) in &declared {
        let granted: BTreeSet<&str> = grants.iter().filter(|(p, _)| p == code).map(|(_, r)| r.as_str()).collect();
        let mut expected = roles.clone();
        expected.insert("super_admin");
        assert_eq!(granted, expected, "{code}: default grants");
    }
    // Navigation only names declared permissions.
    for e in REGISTRY.nav() {
        if let Some(p) = e.perm {
            assert!(codes.contains(p.code()), "nav {} needs undeclared {}", e.href, p.code());
        }
    }
}

#[tokio::test]
async fn a_newly_declared_permission_is_added_once_with_its_defaults() {
    let app = TestApp::new().await;
    // Simulate a database from before a permission existed: remove one, then prepare again.
    sqlx::query("DELETE FROM permissions WHERE code = 'notes.sign'").execute(&app.pool).await.unwrap();
    let added = REGISTRY.sync_permissions(&app.pool).await.unwrap();
    assert_eq!(added, vec!["notes.sign"]);
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT role_code FROM role_permissions WHERE permission_code = 'notes.sign' ORDER BY role_code",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(roles, ["doctor", "nurse", "super_admin"]);
    // An administrator's later change is kept by the next sync.
    sqlx::query("DELETE FROM role_permissions WHERE permission_code = 'notes.sign' AND role_code = 'nurse'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(REGISTRY.sync_permissions(&app.pool).await.unwrap().is_empty());
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM role_permissions WHERE permission_code = 'notes.sign'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn every_column_holding_a_patient_id_is_declared_for_merge() {
    let app = TestApp::new().await;
    // Foreign keys to patients(id), and any other column named patient_id.
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
         WHERE c.contype = 'f' AND c.confrelid = 'patients'::regclass
         UNION
         SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'patient_id'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let declared: BTreeMap<(&str, &str), (&str, OnMerge)> =
        REGISTRY.patient_tables().map(|(m, t)| ((t.table, t.column), (m.name, t.on_merge))).collect();
    let mut missing = Vec::new();
    for (table, column) in &cols {
        if !declared.contains_key(&(table.as_str(), column.as_str())) {
            missing.push(format!("{table}.{column}"));
        }
    }
    assert!(missing.is_empty(), "columns holding patient ids that no module declares in patient_tables: {missing:?}");
    for ((table, column), (module, on_merge)) in &declared {
        assert!(
            cols.iter().any(|(t, c)| t == table && c == column),
            "{module} declares {table}.{column}, which does not exist"
        );
        if *on_merge == OnMerge::Custom {
            let m = REGISTRY.get(module).unwrap();
            assert!(!m.merge_steps.is_empty(), "{module}: {table}.{column} is Custom but the module has no merge step");
        }
    }
    // A table that follows a merge names the key the merge log records: a column that alone is
    // unique (its primary key or a unique index), so an unmerge moves back exactly those rows.
    for (m, t) in REGISTRY.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        let unique: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                            WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL
                              AND a.attname = $2)",
        )
        .bind(t.table)
        .bind(t.key)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert!(unique, "{}: {}.{} is not a unique key of its table", m.name, t.table, t.key);
    }
}

#[tokio::test]
async fn every_encrypted_column_is_declared_for_key_rotation() {
    let app = TestApp::new().await;
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND data_type = 'bytea' AND column_name LIKE '%\\_enc'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let in_db: BTreeSet<(String, String)> = cols.into_iter().collect();
    let declared: BTreeSet<(String, String)> =
        REGISTRY.encrypted_columns().map(|c| (c.table.to_string(), c.column.to_string())).collect();
    assert_eq!(in_db, declared, "encrypted (*_enc) columns vs. the registry's encrypted_columns");
}

#[tokio::test]
async fn key_rotation_reencrypts_webhook_secrets() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let r = app
        .post_form(
            "/admin/webhooks",
            &[("name", "Drift"), ("url", "https://hooks.example.org/x"), ("event_types", "webhook.test")],
        )
        .await;
    assert!(r.status.is_redirection() || r.status.is_success(), "{} {}", r.status, r.body);
    let v = hearth::platform::keys::activate_next(&app.pool).await.unwrap();
    app.state.keys.set_active_version(v);
    hearth::platform::keys::reencrypt_all(&app.pool, &app.state.keys, &REGISTRY, v, |_, _, _| {}).await.unwrap();
    let versions: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT substring(secret_enc from 1 for 4) FROM webhook_subscribers")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0], v.to_be_bytes().to_vec(), "the webhook secret is under the new key version");
}

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let doc = serde_json::to_string_pretty(&REGISTRY.openapi()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/openapi.json");
    if std::env::var("HEARTH_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &doc).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != doc {
        let new = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
        std::fs::write(&new, &doc).unwrap();
        panic!(
            "the OpenAPI document changed: review `diff {} {}`, then accept it with \
             HEARTH_UPDATE_SNAPSHOTS=1 cargo test -- the_openapi_document_matches_its_snapshot",
            path.display(),
            new.display()
        );
    }
}

/// The platform never imports a module: the compiler enforces it through the crate graph (core
/// has no module crate among its dependencies); this test keeps that graph so.
#[test]
fn the_platform_depends_on_no_module() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let core = std::fs::read_to_string(root.join("crates/core/Cargo.toml")).unwrap();
    let deps = core.split("[dependencies]").nth(1).unwrap_or_default();
    let module_crates: Vec<&str> = REGISTRY.modules().filter(|m| m.name != "platform").map(|m| m.name).collect();
    for name in &module_crates {
        assert!(!deps.contains(&format!("hearth-{name}")), "hearth-core depends on hearth-{name}");
    }
    assert!(!deps.contains("\nhearth ") && !deps.contains("\nhearth."), "hearth-core depends on the application");
    // And no source file of the platform names a module crate.
    let mut stack = vec![root.join("crates/core/src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for name in &module_crates {
                    assert!(!text.contains(&format!("hearth_{name}::")), "{} names hearth_{name}", p.display());
                }
            }
        }
    }
    // Modules never depend on the application crate.
    for name in &module_crates {
        let toml = root.join(format!("crates/{name}/Cargo.toml"));
        if let Ok(text) = std::fs::read_to_string(&toml) {
            assert!(
                !text.contains("hearth.workspace") && !text.contains("hearth = "),
                "{name} depends on the application"
            );
        }
    }
}

/// OpenAPI schemas are named by their Rust type's name, and utoipa keeps one schema per name:
/// two modules' `Created` structs (one `{id, mrn}`, one `{id}`) made the document promise the
/// wrong body for one of them, depending on the modules' order. Every `ToSchema` type's name
/// (or its `#[schema(as = …)]`) is therefore unique across the workspace.
#[test]
fn openapi_schema_names_are_unique_across_modules() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stack = vec![root.join("crates"), root.join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with("bench") {
                    stack.push(p);
                }
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, l) in lines.iter().enumerate() {
                if !(l.contains("derive(") && l.contains("ToSchema")) {
                    continue;
                }
                let mut alias = None;
                for next in lines.iter().skip(i + 1).take(12) {
                    let t = next.trim();
                    if let Some(a) = t.strip_prefix("#[schema(as = ") {
                        alias = a.split(')').next().map(str::to_string);
                    }
                    let item = t.strip_prefix("pub ").unwrap_or(t);
                    let item = item.strip_prefix("(crate) ").unwrap_or(item);
                    if let Some(rest) = item.strip_prefix("struct ").or_else(|| item.strip_prefix("enum ")) {
                        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        let where_ = p.strip_prefix(root).unwrap().display().to_string();
                        seen.entry(alias.clone().unwrap_or(name)).or_default().push(where_);
                        break;
                    }
                }
            }
        }
    }
    assert!(seen.len() > 50, "the scan found {} schemas", seen.len());
    let dups: Vec<_> = seen.iter().filter(|(_, files)| files.len() > 1).collect();
    assert!(dups.is_empty(), "OpenAPI schema names used by more than one type: {dups:?}");
}

/// A query struct's `IntoParams` without `parameter_in = Query` documents its fields as path
/// parameters, which no client can send (schemathesis found the formulary's `limit`). Every
/// path parameter of the document appears in its path.
#[test]
fn openapi_path_parameters_are_in_their_paths() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/it/snapshots/openapi.json")).unwrap()).unwrap();
    let mut wrong = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                if p["in"] == "path" && !path.contains(&format!("{{{name}}}")) {
                    wrong.push(format!("{method} {path}: {name}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "path parameters missing from their paths (query structs need parameter_in = Query): {wrong:?}"
    );
}

#[test]
fn registry_names_are_unique() {
    let mut seen = BTreeSet::new();
    for m in REGISTRY.modules() {
        assert!(seen.insert(m.name), "module {} listed twice", m.name);
    }
    let mut kinds = BTreeSet::new();
    for j in REGISTRY.modules().flat_map(|m| m.jobs.iter()) {
        assert!(kinds.insert(j.kind), "job kind {} handled twice", j.kind);
    }
    let mut tabs = BTreeSet::new();
    for t in REGISTRY.chart_tabs() {
        assert!(tabs.insert(t.key), "chart tab {} twice", t.key);
    }
    let mut routes = BTreeSet::new();
    for m in REGISTRY.modules() {
        for p in (m.pages)().paths() {
            assert!(routes.insert(p.clone()), "page route {p} registered twice");
        }
    }
}
