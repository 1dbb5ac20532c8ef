//! The commands the webview calls, one family per file. Each unpacks its arguments, calls
//! the core and maps the error: a few lines each.

pub(crate) mod conversations;
pub(crate) mod desktop;
pub(crate) mod files;
pub(crate) mod groups;
pub(crate) mod messages;
pub(crate) mod session;
