//! What makes a username, display name and password acceptable (limits in tidings_shared).

use crate::error::{AppError, AppResult};
use tidings_shared::limits::*;
use tidings_shared::ErrorCode;

/// Lower-cases and checks a username: 3–32 of `a-z 0-9 _ . -`, starting with a letter or
/// digit.
pub(super) fn username(raw: &str) -> AppResult<String> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if (USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&len) && allowed && starts_well {
        Ok(name)
    } else {
        Err(AppError::client(
            ErrorCode::InvalidUsername,
            format!(
                "A username has {USERNAME_MIN_CHARS} to {USERNAME_MAX_CHARS} characters: \
                 letters a-z, digits, '_', '.' or '-', starting with a letter or digit."
            ),
        ))
    }
}

/// Trims and checks a display name: 1–64 characters, no control characters.
pub(super) fn display_name(raw: &str) -> AppResult<String> {
    let name = raw.trim().to_owned();
    let len = name.chars().count();
    if len == 0 || len > DISPLAY_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::client(
            ErrorCode::InvalidDisplayName,
            format!("A display name has 1 to {DISPLAY_NAME_MAX_CHARS} visible characters."),
        ));
    }
    Ok(name)
}

/// The password policy: at least 10 characters, at most 1,024 bytes, not the username.
pub(super) fn password(password: &str, username: &str) -> AppResult<()> {
    let weak = |why: &str| Err(AppError::client(ErrorCode::WeakPassword, why.to_owned()));
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return weak(&format!(
            "A password needs at least {PASSWORD_MIN_CHARS} characters."
        ));
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return weak(&format!(
            "A password may have at most {PASSWORD_MAX_BYTES} bytes."
        ));
    }
    if password.to_lowercase().contains(username) {
        return weak("A password must not contain the username.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_checked() {
        assert_eq!(username(" Ana.B ").ok().as_deref(), Some("ana.b"));
        for bad in ["ab", "-ana", "ana b", "ánä", &"a".repeat(33)] {
            assert!(username(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn password_policy() {
        assert!(password("short", "ana").is_err());
        assert!(password("ana-is-my-name", "ana").is_err());
        assert!(password("correct horse battery", "ana").is_ok());
        assert!(password(&"x".repeat(PASSWORD_MAX_BYTES + 1), "ana").is_err());
    }

    #[test]
    fn display_names_need_visible_text() {
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{7}b").is_err());
        assert_eq!(display_name(" Ana ").ok().as_deref(), Some("Ana"));
    }
}
