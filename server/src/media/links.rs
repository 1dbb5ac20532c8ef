//! Signed, expiring media links: `/v1/media/<id>/<variant>?exp=<secs>&sig=<hmac>`.
//!
//! A link proves that the server handed it to a member, so fetching needs no token (a
//! CDN or an `<img>` tag can fetch it); it stops working at `exp`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks media links with a key derived from the server secret.
#[derive(Clone)]
pub struct LinkSigner {
    key: Arc<[u8; 32]>,
}

/// Why a link was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The signature does not match: not ours, or altered.
    Invalid,
    /// It was ours, but its time is up.
    Expired,
}

impl LinkSigner {
    /// A signer whose key is derived from `secret` (so one secret serves tokens and links,
    /// but a token can never pass as a link signature or the reverse).
    pub fn new(secret: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"tidings media links v1\0");
        hasher.update(secret);
        Self {
            key: Arc::new(hasher.finalize().into()),
        }
    }

    fn mac(&self, media: &str, variant: &str, exp: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key[..]).unwrap_or_else(|_| unreachable!());
        mac.update(format!("{media}\0{variant}\0{exp}").as_bytes());
        mac
    }

    /// The path of a link to `variant` of `media`, valid until `exp` (seconds).
    pub fn path(&self, media: &str, variant: &str, exp: i64) -> String {
        let sig: String = self
            .mac(media, variant, exp)
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("/v1/media/{media}/{variant}?exp={exp}&sig={sig}")
    }

    /// Checks a presented link at time `now` (seconds).
    pub fn verify(
        &self,
        media: &str,
        variant: &str,
        exp: i64,
        sig: &str,
        now: i64,
    ) -> Result<(), LinkError> {
        let bytes: Option<Vec<u8>> = (0..sig.len())
            .step_by(2)
            .map(|i| {
                sig.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        let bytes = bytes.filter(|b| b.len() == 32).ok_or(LinkError::Invalid)?;
        self.mac(media, variant, exp)
            .verify_slice(&bytes)
            .map_err(|_| LinkError::Invalid)?;
        if now > exp {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(path: &str) -> (i64, String) {
        let query = path.split('?').nth(1).unwrap_or_default();
        let mut exp = 0;
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("exp", v)) => exp = v.parse().unwrap_or_default(),
                Some(("sig", v)) => sig = v.to_owned(),
                _ => {}
            }
        }
        (exp, sig)
    }

    #[test]
    fn a_link_works_until_it_expires_and_only_for_what_it_names() {
        let signer = LinkSigner::new(b"secret");
        let path = signer.path("m1", "content", 1_000);
        let (exp, sig) = parts(&path);
        assert_eq!(signer.verify("m1", "content", exp, &sig, 999), Ok(()));
        assert_eq!(
            signer.verify("m1", "content", exp, &sig, 1_001),
            Err(LinkError::Expired)
        );
        assert_eq!(
            signer.verify("m2", "content", exp, &sig, 999),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            signer.verify("m1", "thumbnail", exp, &sig, 999),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            signer.verify("m1", "content", exp + 60, &sig, 999),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            signer.verify("m1", "content", exp, "zz", 999),
            Err(LinkError::Invalid)
        );
        let other = LinkSigner::new(b"other secret");
        assert_eq!(
            other.verify("m1", "content", exp, &sig, 999),
            Err(LinkError::Invalid)
        );
    }
}
