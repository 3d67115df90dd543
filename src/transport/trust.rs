//! Which certificates the client trusts: Mozilla's roots, bundled (so an old Windows
//! machine's certificate store does not matter), plus those of an optional `ca_file` (a
//! corporate TLS proxy's CA).

use std::fs;
use std::io::Read;
use std::sync::Arc;

use ureq::tls::{Certificate, RootCerts};

use crate::error::{Error, Result};

/// The most a `ca_file` may hold. Mozilla's whole root set is about 200 kB as PEM; a file
/// larger than this is not a CA bundle (and `/dev/zero` would never end).
const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The bundled Mozilla roots plus the certificates of a PEM file (a corporate proxy's CA).
pub(super) fn roots_with(path: &str) -> Result<RootCerts> {
    let pem = read_ca_file(path)?;
    let mut extra = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => extra.push(cert),
            Ok(_) => {}
            Err(e) => return Err(Error::invalid(format!("ca_file {path:?}: {e}"))),
        }
    }
    if extra.is_empty() {
        return Err(Error::invalid(format!(
            "ca_file {path:?} holds no PEM certificate"
        )));
    }
    let mut all: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    all.extend(extra);
    Ok(RootCerts::Specific(Arc::new(all)))
}

/// Reads a `ca_file`: a regular file only (a FIFO would block, a device never end) and at
/// most [`MAX_CA_FILE_BYTES`].
fn read_ca_file(path: &str) -> Result<Vec<u8>> {
    let fail = |what: &dyn std::fmt::Display| Error::invalid(format!("ca_file {path:?}: {what}"));
    let file = open_without_waiting(path).map_err(|e| fail(&e))?;
    let metadata = file.metadata().map_err(|e| fail(&e))?;
    if !metadata.is_file() {
        return Err(fail(
            &"is not a regular file (a PEM file of certificates is expected)",
        ));
    }
    let too_big = || {
        fail(&format_args!(
            "is larger than {} MB, which no CA bundle is (a PEM file of certificates is expected)",
            MAX_CA_FILE_BYTES / (1024 * 1024)
        ))
    };
    if metadata.len() > MAX_CA_FILE_BYTES {
        return Err(too_big());
    }
    let mut pem = Vec::with_capacity(metadata.len() as usize);
    // Bounded even if the file grows while it is read.
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(|e| fail(&e))?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(too_big());
    }
    Ok(pem)
}

/// Opens a file for reading without waiting for anything: opening a FIFO waits for a writer,
/// so it is opened non-blocking (which changes nothing for a regular file) and then refused
/// by its type.
#[cfg(unix)]
fn open_without_waiting(path: &str) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Windows has no FIFOs in the file system; a named pipe or a device is refused by its type
/// before it is opened.
#[cfg(not(unix))]
fn open_without_waiting(path: &str) -> std::io::Result<fs::File> {
    if !fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other(
            "is not a regular file (a PEM file of certificates is expected)",
        ));
    }
    fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("mppoint-ca-{}", std::process::id()));
        fs::write(&dir, "not a pem").unwrap();
        let e = roots_with(dir.to_str().unwrap()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        fs::remove_file(&dir).unwrap();
        assert!(roots_with("/nonexistent/ca.pem").is_err());
    }
}
