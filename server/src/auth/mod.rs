//! Accounts and sign-ins: registration rules, Argon2id password hashes, short-lived JWT
//! access tokens, rotating refresh tokens, and the HTTP routes that use them.

mod access;
mod password;
mod refresh;
pub mod routes;
mod rules;

pub use access::{AccessTokens, AuthUser, Claims};
pub use password::PasswordHasher;
