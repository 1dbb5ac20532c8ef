//! The Tidings desktop app's entry point; everything lives in the library (see `lib.rs`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tidings_desktop::run();
}
