//! The crate's layers depend one way: `app` → `pages` → `components` → the domain (`model`, `error`,
//! `validate`, `scoring`, `recommend`, `packed`). Server functions (in pages and components) call
//! the server; the server uses the domain and mounts `App`, and reaches into no page or component.
//! This reads every `crate::…` path in `src/` and fails on an edge that points the wrong way.

use std::path::{Path, PathBuf};

/// Where a source file sits, by its first folder or file name under `src/`.
fn layer_of(file: &Path, src: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// Top-level modules a layer must not name.
fn forbidden(layer: &str) -> &'static [&'static str] {
    match layer {
        "model" | "error" | "validate" | "scoring" | "recommend" | "packed" => {
            &["app", "pages", "components", "server"]
        }
        "components" => &["app", "pages"],
        "pages" => &["app"],
        "server" => &["pages", "components"],
        _ => &[],
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules named by `crate::x` paths in `text` (outside line comments).
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.push((n + 1, name));
        }
    }
    found
}

#[test]
fn no_layer_reaches_up() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources");
    let mut wrong = Vec::new();
    for file in &files {
        // Property tests of server parsers: compiled only for `cargo test`, outside the layers.
        if file.ends_with("parse_props.rs") {
            continue;
        }
        let layer = layer_of(file, &src);
        let text = std::fs::read_to_string(file).unwrap();
        for (line, module) in named_modules(&text) {
            if forbidden(&layer).contains(&module.as_str()) {
                wrong.push(format!("{}:{line}: {layer} names crate::{module}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "dependencies pointing up:\n{}", wrong.join("\n"));
}

/// Pages share pieces through `components/` (or `pages/mod.rs`), never by importing each other.
#[test]
fn no_page_imports_another() {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
    let mut files = Vec::new();
    rust_files(&pages, &mut files);
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().to_string()))
        .filter(|s| s != "mod")
        .collect();
    assert!(names.len() > 5, "found the pages: {names:?}");
    let mut wrong = Vec::new();
    for file in &files {
        let own = file.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for other in names.iter().filter(|name| **name != own) {
                if code.contains(&format!("pages::{other}::")) || code.contains(&format!("super::{other}::")) {
                    wrong.push(format!("{}:{}: {own} imports the page {other}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "pages importing pages:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_an_upward_edge() {
    let edges =
        named_modules("use crate::pages::account::whoami; // crate::app in a comment\nlet x = crate::model::A;");
    assert_eq!(edges, vec![(1, "pages".to_string()), (2, "model".to_string())]);
    assert!(forbidden("components").contains(&"pages"));
    assert!(!forbidden("pages").contains(&"components"));
}
