//! Argon2id password hashing, off the async threads.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use std::sync::Arc;

/// Hashes and verifies passwords with Argon2id (the crate's OWASP-recommended defaults:
/// 19 MiB, 2 passes). Each call runs on the blocking pool so it never stalls the gateway.
#[derive(Clone)]
pub struct PasswordHasher {
    /// A real hash of a random password, verified against when the user does not exist so
    /// that "unknown user" takes as long as "wrong password".
    decoy: Arc<str>,
}

impl PasswordHasher {
    /// Prepares the decoy hash (one hash at start-up).
    pub fn new() -> AppResult<Self> {
        let decoy = hash_now(&ulid::Ulid::new().to_string())?;
        Ok(Self {
            decoy: decoy.into(),
        })
    }

    /// A PHC-format Argon2id hash of `password` with a fresh salt.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// Whether `password` matches `hash`; `hash = None` checks against the decoy and
    /// returns false, in the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        let (stored, real) = match hash {
            Some(h) => (h, true),
            None => (self.decoy.to_string(), false),
        };
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .map_err(|e| AppError::Internal(format!("stored password hash: {e}")))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        Ok(matches && real)
    }
}

fn hash_now(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing: {e}")))
}
