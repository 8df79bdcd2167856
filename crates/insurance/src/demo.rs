//! Demo data of insurance: two payers with a plan each (USD), primary policies for the demo
//! patients who have issued invoices (and one expired policy), a requested and an approved
//! pre-authorisation, and claims of the issued demo invoices: one left a draft, one submitted,
//! one paid by remittance where the invoice still has a balance. Idempotent (nothing when a payer
//! exists).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::*;
use crate::repo;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::platform::auth::{AuthVia, CurrentUser};
use hearth_core::registry::DemoContext;

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("demo insurance: {e}")
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let (Some(clerk), Some(admin)) = (ctx.user("billing@demo.hearth"), ctx.user("hospitaladmin@demo.hearth")) else {
        return Ok(());
    };
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM insurance_payers)").fetch_one(&mut *conn).await?;
    if done {
        return Ok(());
    }
    let as_user =
        |id: Uuid, label: &str| AuditMeta { actor_user_id: Some(id), actor_label: label.into(), ..ctx.meta.clone() };
    let clerk_meta = as_user(clerk, "billing@demo.hearth");
    let admin_meta = as_user(admin, "hospitaladmin@demo.hearth");
    let mut plans = Vec::new();
    for (code, name, rules) in [
        (
            "ACME",
            "Acme Health",
            (1500, 2000, 10_000, Some(500_000), vec!["COSMETIC:*".to_string()], vec!["SURG:*".to_string()]),
        ),
        ("CIVIC", "Civic Mutual", (0, 1000, 0, None, vec![], vec!["RAD:*".to_string()])),
    ] {
        let payer = repo::create_payer(conn, &admin_meta, &InsurancePayerForm { code: code.into(), name: name.into() })
            .await
            .map_err(err)?;
        let (copay, coinsurance_bp, deductible, annual_limit, excluded_codes, preauth_codes) = rules;
        let f = InsurancePlanForm {
            payer: Some(payer),
            code: "STD".into(),
            name: "Standard".into(),
            currency: "USD".into(),
            copay,
            coinsurance_bp,
            deductible,
            annual_limit,
            excluded_codes,
            preauth_codes,
        };
        plans.push(repo::create_plan(conn, &admin_meta, &f).await.map_err(err)?);
    }
    // The patients with issued invoices (billing's demo) are the insured ones.
    let invoices: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, patient_id, facility_id FROM billing_invoices
         WHERE kind = 'invoice' AND status IN ('issued', 'partially_paid', 'paid') ORDER BY issued_at LIMIT 3",
    )
    .fetch_all(&mut *conn)
    .await?;
    let user = CurrentUser {
        id: clerk,
        email: "billing@demo.hearth".into(),
        display_name: "Bianca Billing".into(),
        roles: vec!["billing_clerk".into()],
        perms: vec![],
        facility_ids: ctx.facilities.clone(),
        session_id: None,
        must_change_password: false,
        mfa_enabled: false,
        mfa_required: false,
        via: AuthVia::Bearer,
        client_id: None,
        time_zone: None,
        locale: String::new(),
    };
    for (n, (invoice, patient, _)) in invoices.iter().enumerate() {
        let plan = plans[n % 2];
        let f = InsurancePolicyForm {
            plan: Some(plan),
            member_id: format!("DEMO-{:04}", n + 1),
            valid_from: "2020-01-01".into(),
            valid_to: String::new(),
            priority: "primary".into(),
            relationship: if n == 1 { "spouse".into() } else { "self".into() },
        };
        let policy = repo::add_policy(conn, &clerk_meta, *patient, &f).await.map_err(err)?;
        if n == 0 {
            let pa = InsurancePreauthForm { policy: Some(policy), code: "SURG:TKR".into() };
            let id = repo::request_preauth(conn, &clerk_meta, *patient, &pa).await.map_err(err)?;
            let d = InsurancePreauthDecision {
                decision: "approved".into(),
                reference: "PA-2026-0001".into(),
                valid_from: "2026-01-01".into(),
                valid_to: "2027-12-31".into(),
                units: Some(1),
                reason: String::new(),
            };
            repo::decide_preauth(conn, &clerk_meta, *patient, id, &d).await.map_err(err)?;
            let pa = InsurancePreauthForm { policy: Some(policy), code: "RAD:MRI-KNEE".into() };
            repo::request_preauth(conn, &clerk_meta, *patient, &pa).await.map_err(err)?;
        }
        let c = InsuranceClaimForm { invoice: Some(*invoice), policy: Some(policy) };
        let claim = match repo::create_claim(conn, &clerk_meta, &user, *patient, &c).await {
            Ok(id) => id,
            Err(_) => continue,
        };
        if n >= 1 {
            let c = repo::claim(conn, claim).await?.ok_or_else(|| err("claim"))?;
            repo::claim_action(
                conn,
                &clerk_meta,
                &c,
                &InsuranceClaimAction { action: "submit".into(), reason: String::new() },
            )
            .await
            .map_err(err)?;
        }
        if n == 2 {
            let c = repo::claim(conn, claim).await?.ok_or_else(|| err("claim"))?;
            let d = repo::claim_detail(conn, c.clone()).await.map_err(err)?;
            let balance: i64 = sqlx::query_scalar("SELECT total - paid FROM billing_invoices WHERE id = $1")
                .bind(invoice)
                .fetch_one(&mut *conn)
                .await?;
            if balance >= c.claimed {
                let r = InsuranceRemittance {
                    reference: "EFT-DEMO-1".into(),
                    lines: d
                        .lines
                        .iter()
                        .map(|l| InsuranceRemittanceLine {
                            line_id: Some(l.line_id),
                            paid: l.claimed,
                            adjustment_code: String::new(),
                        })
                        .collect(),
                };
                repo::remit(conn, &clerk_meta, &c, &r).await.map_err(err)?;
            }
        }
    }
    // A patient whose cover lapsed.
    if let Some(p) = ctx.patients.get(10) {
        let f = InsurancePolicyForm {
            plan: plans.get(1).copied(),
            member_id: "CIV-OLD-77".into(),
            valid_from: "2021-01-01".into(),
            valid_to: "2023-12-31".into(),
            priority: "primary".into(),
            relationship: "self".into(),
        };
        let _ = repo::add_policy(conn, &clerk_meta, p.id, &f).await;
    }
    Ok(())
}
