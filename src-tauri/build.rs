//! Tauri's build step, after checking that the UI it embeds has been built.

use std::path::Path;

fn main() {
    // `tauri::generate_context!` embeds ../ui/dist into the binary (there is no dev server
    // URL), so the UI must be built first.
    let dist = Path::new("../ui/dist");
    println!("cargo:rerun-if-changed=../ui/dist");
    if !dist.join("index.html").is_file() {
        eprintln!(
            "error: the UI is not built (ui/dist/index.html is missing).\n\
             Build it first: (cd ui && npm ci && npm run build)\n\
             scripts/test.sh and scripts/run.sh do this for you."
        );
        std::process::exit(1);
    }
    tauri_build::build();
}
