//! Email one-time codes: the fallback second factor, sent to a real SMTP listener.

use axum::http::StatusCode;

use crate::fakes::SmtpServer;
use crate::helpers::*;
use crate::mfa::{enrol, password_step};

fn code_in(mail: &str) -> String {
    let i = mail.find("sign-in code is ").expect("code in the mail") + "sign-in code is ".len();
    mail[i..i + 6].to_string()
}

#[tokio::test]
async fn email_code_signs_in_once_and_expires() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let mut app = TestApp::with_config(&[("HEARTH_SMTP_URL", url.as_str())]).await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    enrol(&mut app).await;

    let mut b = app.another_client();
    password_step(&mut b, &email).await;
    let r = b.post_form("/mfa/email", &[("next", "/patients")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("We sent a 6-digit code"));
    assert_eq!(smtp.count(), 1);
    let mail = smtp.messages.lock().unwrap()[0].clone();
    assert!(mail.contains(&email), "sent to the account's address");
    let code = code_in(&mail);
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT code_hash FROM mfa_email_codes").fetch_one(&app.pool).await.unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&code), "only a keyed hash is stored");
    let r = b.post_form("/mfa", &[("code", &code), ("next", "/patients")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/patients");
    assert_eq!(app.audit_count("auth.email_code_sent").await, 1);

    // Once only, and only for the sign-in it was sent for.
    let mut c = app.another_client();
    password_step(&mut c, &email).await;
    assert_eq!(c.post_form("/mfa", &[("code", &code)]).await.status, StatusCode::UNAUTHORIZED);
    // An expired code is refused.
    c.post_form("/mfa/email", &[]).await;
    let mail = smtp.messages.lock().unwrap()[1].clone();
    let code2 = code_in(&mail);
    sqlx::query("UPDATE mfa_email_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(c.post_form("/mfa", &[("code", &code2)]).await.status, StatusCode::UNAUTHORIZED);
    // At most three codes in ten minutes.
    c.post_form("/mfa/email", &[]).await;
    let r = c.post_form("/mfa/email", &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(smtp.count(), 3);
}

#[tokio::test]
async fn without_mail_the_option_says_so_and_stores_nothing() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    enrol(&mut app).await;
    let mut b = app.another_client();
    password_step(&mut b, &email).await;
    let r = b.post_form("/mfa/email", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Email codes are not available"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM mfa_email_codes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
}
