// The migrations are compiled into the server: this lists `migrations/<backend>/*.sql` in the
// order they run, for `server::db::migrations` to include. A new or edited migration file must
// rebuild the server.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
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
            writeln!(code, "    ({file:?}, include_str!({:?})),", dir.join(&file).display().to_string()).unwrap();
        }
        code.push_str("];\n");
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(out, code).expect("writing the list of migrations");
}
