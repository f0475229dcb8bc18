//! HTTPS to the channels and the SMS gateway: rustls with the system's roots, plus a bureau's
//! private certificate authority when a profile names one (`ca_file`, PEM, one or more
//! certificates).

use super::http::SyncError;

/// An HTTP client trusting the system's roots and, with `ca_file`, that authority too. `what`
/// names the profile in an error ("channel rmw", "the SMS gateway").
pub fn client(ca_file: Option<&str>, what: &str) -> Result<reqwest::Client, SyncError> {
    let mut builder = reqwest::Client::builder();
    if let Some(path) = ca_file.map(str::trim).filter(|p| !p.is_empty()) {
        let pem =
            std::fs::read(path).map_err(|e| SyncError::Invalid(format!("{what}: ca_file {path}: {e}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            SyncError::Invalid(format!("{what}: ca_file {path} is not a PEM certificate: {e}"))
        })?;
        if certs.is_empty() {
            return Err(SyncError::Invalid(format!("{what}: ca_file {path} holds no certificate")));
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| SyncError::Invalid(format!("{what}: cannot build an HTTPS client: {e}")))
}
