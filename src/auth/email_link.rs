//! "Email me a login link": a single-use link, valid for 15 minutes, sent with lettre.
//!
//! Registration codes are stored as argon2 hashes, so a forgotten code cannot be mailed; a
//! link can. The handler answers every request with the same page at once and hands the work
//! to [`Mailer::request`], which runs in the background: look the address up, make a token
//! (stored as SHA-256 in `login_links`), send the mail. So neither the answer nor its timing
//! tells whether an address is registered. The link opens a confirmation page (link
//! previewers and mail scanners fetch links; only the button's POST redeems it).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use tokio::sync::watch;

use crate::auth::store;
use crate::config::{SmtpSettings, SmtpTls};
use crate::db::Db;

/// How long a login link works.
pub const LINK_TTL: chrono::Duration = chrono::Duration::minutes(15);

/// One link request, as the handler passes it on.
pub struct LinkRequest {
    /// The normalised address typed in.
    pub email: String,
    /// The conference's name, for the subject line.
    pub conference: String,
    /// The absolute URL the token is appended to (`{public_url}/login/link/`).
    pub link_base: String,
    /// When it was asked for (the app's clock).
    pub now: DateTime<Utc>,
}

/// The configured mail server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    handled: watch::Sender<u64>,
}

impl Mailer {
    /// A mailer for `smtp`; it connects only when it sends.
    pub fn new(smtp: &SmtpSettings) -> anyhow::Result<Self> {
        let tls = || -> anyhow::Result<TlsParameters> {
            let mut params = TlsParameters::builder(smtp.host.clone());
            if let Some(pem) = &smtp.ca_pem {
                params = params.add_root_certificate(Certificate::from_pem(pem.as_bytes())?);
            }
            Ok(params.build()?)
        };
        let tls = match smtp.tls {
            // The upgrade is required: no credentials or mail go out in the clear.
            SmtpTls::StartTls => Tls::Required(tls()?),
            SmtpTls::Implicit => Tls::Wrapper(tls()?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(smtp.timeout));
        if let Some((user, password)) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from: smtp.from.parse()?,
            handled: watch::channel(0).0,
        })
    }

    /// How many link requests have been dealt with so far (sent or not): tests wait for it
    /// instead of for a mail that should not come.
    pub fn handled(&self) -> watch::Receiver<u64> {
        self.handled.subscribe()
    }

    /// Deals with a request in the background; returns at once.
    pub fn request(self: &Arc<Self>, db: Db, request: LinkRequest) {
        let me = self.clone();
        tokio::spawn(async move {
            match me.send_link(&db, &request).await {
                Ok(true) => tracing::info!("login link sent"),
                Ok(false) => tracing::info!("login link asked for an address not on the list"),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "sending a login link failed"),
            }
            me.handled.send_modify(|n| *n += 1);
        });
    }

    /// Sends a link when the address is on the registration list; false when it is not.
    async fn send_link(&self, db: &Db, r: &LinkRequest) -> anyhow::Result<bool> {
        let Some(person) = store::person_by_email(db, &r.email).await? else {
            return Ok(false);
        };
        let token = store::create_login_link(db, &person.id, LINK_TTL, r.now).await?;
        let link = format!("{}{token}", r.link_base);
        let to = Mailbox::new(Some(person.name.clone()), person.email.parse()?);
        let body = format!(
            "Hello {name},\n\n\
             open this link to log in to {conf}:\n\n{link}\n\n\
             It works once, within {minutes} minutes. If you did not ask for it, ignore this \
             mail: nobody can log in without it.\n",
            name = person.name,
            conf = r.conference,
            minutes = LINK_TTL.num_minutes(),
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Your login link for {}", r.conference))
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        self.transport.send(message).await?;
        Ok(true)
    }
}
