//! HTTPS for the simulator: a throwaway CA and a server certificate made at start, and the
//! rustls setup.
//!
//! Load balancers such as BBBLB only talk https to their backends (BBBLB hard-codes
//! `https://{domain}/bigbluebutton/api/`). A simulator started with [`SimConfig::tls`]
//! (`super::SimConfig`) serves its whole surface over TLS with a certificate for `127.0.0.1`
//! and `localhost`, signed by a CA generated with rcgen when it starts;
//! [`super::SimServer::certificate_pem`] hands out the CA so a peer can trust it (BBBLB through
//! `SSL_CERT_FILE`, reqwest through `add_root_certificate`). Two certificates rather than one
//! self-signed: webpki refuses a CA certificate used as the server's own (`CaUsedAsEndEntity`),
//! and a leaf with CA:FALSE is no trust anchor for OpenSSL.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate and the server configuration that presents it.
pub(crate) struct Tls {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// For `HttpServer::listen_rustls_0_23`.
    pub config: rustls::ServerConfig,
}

/// Makes a fresh CA and a server certificate for 127.0.0.1 / localhost signed by it, and a
/// rustls config presenting both.
pub(crate) fn self_signed() -> std::io::Result<Tls> {
    fn err(e: rcgen::Error) -> std::io::Error {
        std::io::Error::other(e)
    }
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "hallway bbb-sim test CA");
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;

    let key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "127.0.0.1");
    leaf.distinguished_name = dn;
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    let cert = leaf.signed_by(&key, &ca_cert, &ca_key).map_err(err)?;

    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone(), ca_cert.der().clone()];
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(std::io::Error::other)?
    .with_no_client_auth()
    .with_single_cert(chain, key_der)
    .map_err(std::io::Error::other)?;
    Ok(Tls {
        cert_pem: ca_cert.pem(),
        config,
    })
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::super::{SimConfig, SimServer};

    #[tokio::test]
    async fn a_tls_simulator_answers_https_with_a_certificate_a_client_can_trust() {
        let mut cfg = SimConfig::new("tls1", "");
        cfg.tls = true;
        let sim = SimServer::start(TcpListener::bind("127.0.0.1:0").expect("bind"), cfg)
            .await
            .expect("start");
        assert_eq!(sim.base_url().scheme(), "https");
        let pem = sim.certificate_pem().expect("a certificate");
        let trusting = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem"))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let root = trusting
            .get(format!("{}api", sim.base_url()))
            .send()
            .await
            .expect("https answers");
        assert_eq!(root.status(), 200);
        assert!(root
            .text()
            .await
            .expect("body")
            .contains("<returncode>SUCCESS"));
        // URLs the simulator hands out are https too.
        let create = trusting
            .get(format!(
                "{}api/create?meetingID=m1&name=Room+1",
                sim.base_url()
            ))
            .send()
            .await
            .expect("create");
        assert_eq!(create.status(), 200);
        let join = trusting
            .get(format!(
                "{}api/join?meetingID=m1&fullName=Ada&role=VIEWER",
                sim.base_url()
            ))
            .send()
            .await
            .expect("join");
        assert_eq!(join.status(), 302);
        let to = join.headers()["location"].to_str().expect("location");
        assert!(
            to.starts_with(&format!(
                "https://127.0.0.1:{}/html5client/join?",
                sim.port()
            )),
            "{to}"
        );
        // A client that does not trust the certificate is refused.
        let plain = reqwest::Client::new();
        assert!(plain
            .get(format!("{}api", sim.base_url()))
            .send()
            .await
            .is_err());
    }
}
