//! Email over SMTP (lettre): a multipart message with plain-text and HTML bodies rendered from
//! Askama templates, carrying the hospital's name and a footer.

use std::time::Duration;

use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::SendError;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `url`: `smtp://host:port` (plain or STARTTLS with `?tls=required`), `smtps://` (TLS),
    /// with optional `user:password@`. Checked at start-up, not at the first send.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("HEARTH_SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = from.parse().map_err(|e| anyhow::anyhow!("HEARTH_MAIL_FROM is not an address: {e}"))?;
        Ok(Mailer { transport, from })
    }

    pub async fn send(&self, to: &str, subject: &str, text: String, html: String) -> Result<String, SendError> {
        let to: Mailbox = to.parse().map_err(|e| SendError::Permanent(format!("bad recipient address: {e}")))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        match self.transport.send(msg).await {
            Ok(r) => Ok(r.message().collect::<Vec<_>>().join(" ").chars().take(200).collect()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("SMTP refused: {e}"))),
            Err(e) => Err(SendError::Transient(format!("SMTP: {e}"))),
        }
    }
}

/// The e-mail's frame in the message's language: the `lang` and `dir` of the HTML, the
/// footer and the link's label.
pub struct Frame {
    pub lang: String,
    pub dir: &'static str,
    pub footer: String,
    pub open: String,
}

#[derive(Template)]
#[template(path = "notify/email.html")]
pub struct EmailHtml<'a> {
    pub hospital: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<String>,
    pub frame: &'a Frame,
}

#[derive(Template)]
#[template(path = "notify/email.txt")]
pub struct EmailText<'a> {
    pub hospital: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<String>,
    pub frame: &'a Frame,
}
