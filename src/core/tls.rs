//! TLS settings shared by every connection pool of the process.
//!
//! Loading the OS trust store means reading and parsing every root certificate on the system
//! (milliseconds, most of a first call's time). So it happens once per process and distinct
//! `caCertPem`, and only when a first `https://` connection needs it: a client for a loopback
//! `http://` development host never pays for it, and a machine without a trust store fails the
//! TLS handshake with `tls` instead of failing to create clients at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::error::Error;
use crate::per_process::PerProcess;

/// A TLS client configuration: ring for crypto (the library's only crypto library), TLS 1.2 and
/// 1.3, HTTP/2 or HTTP/1.1 by ALPN, the OS trust store plus `caCertPem`.
pub fn client_config(ca_cert_pem: Option<&str>) -> Result<rustls::ClientConfig, Error> {
    // Per process: a fork while another thread held this lock must not leave it held forever.
    static CONFIGS: PerProcess<Mutex<HashMap<Option<String>, Arc<rustls::ClientConfig>>>> =
        PerProcess::new();
    let mut configs = CONFIGS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let key = ca_cert_pem.map(str::to_owned);
    if let Some(config) = configs.get(&key) {
        return Ok(rustls::ClientConfig::clone(config));
    }
    let config = Arc::new(build(ca_cert_pem)?);
    configs.insert(key, config.clone());
    Ok(rustls::ClientConfig::clone(&config))
}

fn build(ca_cert_pem: Option<&str>) -> Result<rustls::ClientConfig, Error> {
    let extra_roots = match ca_cert_pem {
        Some(pem) => parse_roots(pem)?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = LazyPlatformVerifier {
        extra_roots,
        provider: provider.clone(),
        loaded: PerProcess::new(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|_| Error::Internal("the TLS provider supports neither TLS 1.2 nor 1.3".into()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificates of a PEM bundle; none at all is a config error.
pub fn parse_roots(pem: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let roots = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_default();
    if roots.is_empty() {
        return Err(Error::InvalidConfig(
            "`caCertPem` holds no parsable PEM certificate".into(),
        ));
    }
    Ok(roots)
}

/// The platform verifier, built on the first certificate it has to check — once per process:
/// a child forked while another thread was loading the trust store must not wait for a load
/// that will never finish there.
struct LazyPlatformVerifier {
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    loaded: PerProcess<Result<rustls_platform_verifier::Verifier, rustls::Error>>,
}

impl std::fmt::Debug for LazyPlatformVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyPlatformVerifier")
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl LazyPlatformVerifier {
    fn platform(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.loaded
            .get_or_init(|| self.load())
            .as_ref()
            .map_err(Clone::clone)
    }

    #[cfg(not(target_os = "android"))]
    fn load(&self) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
        rustls_platform_verifier::Verifier::new_with_extra_roots(
            self.extra_roots.iter().cloned(),
            self.provider.clone(),
        )
    }

    #[cfg(target_os = "android")]
    fn load(&self) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
        if !self.extra_roots.is_empty() {
            return Err(rustls::Error::General(
                "caCertPem is not supported by the Android platform verifier".into(),
            ));
        }
        rustls_platform_verifier::Verifier::new(self.provider.clone())
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.platform()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.platform()?.verify_tls13_signature(message, cert, dss)
    }

    // Asked before any certificate arrives (ClientHello): answered without loading the store.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_certificates_is_a_config_error() {
        for pem in [
            "",
            "not a pem",
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
        ] {
            assert_eq!(
                parse_roots(pem).unwrap_err().code(),
                "invalid_config",
                "{pem}"
            );
        }
    }

    #[test]
    fn configs_are_shared_per_trust_setting() {
        let a = client_config(None).unwrap();
        let b = client_config(None).unwrap();
        assert!(Arc::ptr_eq(
            &a.crypto_provider().clone(),
            &b.crypto_provider().clone()
        ));
        assert_eq!(a.alpn_protocols, [b"h2".to_vec(), b"http/1.1".to_vec()]);
    }
}
