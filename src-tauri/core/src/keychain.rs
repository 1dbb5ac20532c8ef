//! The refresh token lives in the OS keychain (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows), never in a file or a log. Where no keychain
//! answers (a headless Linux box without a Secret Service), the session stays in memory
//! and the UI is told that the next start will ask for the password again.

use std::fmt;

/// The keychain "service" every Tidings entry is filed under.
pub const SERVICE: &str = "tidings";

/// One sign-in's slot: `<username>@<server>`, so several accounts and servers coexist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot(String);

impl Slot {
    /// The slot of `username` on `server`.
    pub fn new(username: &str, server: &str) -> Self {
        Self(format!("{username}@{}", server.trim_end_matches('/')))
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the keychain could not be used.
#[derive(Debug, thiserror::Error)]
#[error("keychain unavailable: {0}")]
pub struct KeychainError(String);

fn entry(slot: &Slot) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(SERVICE, &slot.0).map_err(|e| KeychainError(e.to_string()))
}

/// Stores (or replaces) the refresh token of `slot`. Blocking: call off the async threads.
pub fn store(slot: &Slot, token: &str) -> Result<(), KeychainError> {
    entry(slot)?
        .set_password(token)
        .map_err(|e| KeychainError(e.to_string()))
}

/// The stored refresh token of `slot`, if any.
pub fn load(slot: &Slot) -> Result<Option<String>, KeychainError> {
    match entry(slot)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(KeychainError(e.to_string())),
    }
}

/// Forgets `slot` (sign-out). Missing entries are fine.
pub fn delete(slot: &Slot) -> Result<(), KeychainError> {
    match entry(slot)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(KeychainError(e.to_string())),
    }
}
