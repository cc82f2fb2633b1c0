// The migrations are compiled into the server: this lists `migrations/<backend>/*.sql` in the
// order they run, for `server::db::migrations` to include. A new or edited migration file must
// rebuild the server.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("migrations");
    let mut code = String::new();
    for backend in ["sqlite", "postgres"] {
        let dir = root.join(backend);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|entry| entry.expect("a migration file").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        writeln!(code, "pub const {}: &[(&str, &str)] = &[", backend.to_uppercase()).unwrap();
        for file in files {
            // Named from the crate's own directory when it compiles, not from where this script
            // ran: build directories shared between checkouts may reuse this script's output.
            let path = format!("/migrations/{backend}/{file}");
            writeln!(code, "    ({file:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {path:?}))),").unwrap();
        }
        code.push_str("];\n");
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(out, code).expect("writing the list of migrations");
}
