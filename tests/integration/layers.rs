//! The crate's layers depend one way, from the top:
//!
//! `server/tools` → `server/jobs` → `app` → `pages` → `components` → `server/web` → `server/services` →
//! `server/db` → `server/config`, `server/observe`, `server/cache` → the domain (`model`, `error`, `validate`,
//! `scoring`, `recommend`, `packed`).
//!
//! Server functions (in pages and components) reach the server through `web` (the request's state
//! and session) and `services`, never straight into `db`. The one edge that points up is the web
//! server mounting `App`. This reads every `crate::…` path in `src/` (grouped ones too) and fails
//! on an edge that points the wrong way or closes a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a source file sits: its first folder or file name under `src/`, and for `server/` the
/// folder or file below it.
fn unit_of(file: &Path, src: &Path) -> String {
    let rel: Vec<String> = file
        .strip_prefix(src)
        .unwrap()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match rel.as_slice() {
        [server, below, ..] if server == "server" => format!("server/{below}"),
        [first, ..] => first.clone(),
        [] => unreachable!(),
    }
}

/// The height of a unit: it may name units below it (and its own level), nothing above.
fn rank(unit: &str) -> u32 {
    match unit {
        "server/tools" => 9,
        "server/jobs" => 8,
        "app" => 7,
        "pages" => 6,
        "components" => 5,
        "server/web" => 4,
        "server/services" => 3,
        "server/db" => 2,
        "server/config" | "server/observe" | "server/cache" => 1,
        "server" => 1, // `server/mod.rs`, which only declares the folders
        _ => 0,        // the domain: plain Rust over plain structs
    }
}

/// Why the edge `from` → `to` is wrong, if it is.
fn wrong_edge(from: &str, to: &str) -> Option<&'static str> {
    if (from, to) == ("server/web", "app") {
        return None; // the server mounts the app
    }
    if matches!(from, "pages" | "components") && to == "server/db" {
        return Some("server functions go through services, not straight to the database");
    }
    (rank(to) > rank(from)).then_some("points up")
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

fn ident(s: &str) -> String {
    s.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// The first name of each item of a `{grouped, items::{nested}}` path, given the text after its `{`
/// (up to the group's closing brace).
fn group_names(group: &str) -> Vec<String> {
    let (mut depth, mut item_start, mut names) = (0, true, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            _ if item_start && !c.is_whitespace() => {
                item_start = false;
                names.push(ident(&group[i..]));
            }
            _ => {}
        }
    }
    names
}

/// The names a path starting right after `prefix::` names: one, or each of a group's.
fn names_after(rest: &str) -> Vec<String> {
    match rest.strip_prefix('{') {
        Some(group) => group_names(group),
        None => vec![ident(rest)],
    }
}

/// The units named by `crate::x` paths in `text` (outside line comments), with `crate::server::`
/// paths resolved one level further, `{grouped, ones}` included.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + 7..];
            let name = ident(rest);
            if name != "server" {
                found.push((n + 1, name));
                continue;
            }
            let below = rest["server".len()..].strip_prefix("::").unwrap_or("");
            if below.is_empty() {
                found.push((n + 1, "server".to_string()));
            } else {
                found.extend(names_after(below).into_iter().map(|name| (n + 1, format!("server/{name}"))));
            }
        }
    }
    found
}

/// Every edge between units, with where each was first seen.
fn edges() -> BTreeMap<(String, String), String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources");
    let mut edges = BTreeMap::new();
    for file in &files {
        // The crate roots declare every module.
        if ["lib.rs", "main.rs"].iter().any(|root| file.ends_with(root)) && file.parent() == Some(&src) {
            continue;
        }
        let unit = unit_of(file, &src);
        let text = std::fs::read_to_string(file).unwrap();
        for (line, named) in named_modules(&text) {
            if named != unit {
                edges.entry((unit.clone(), named)).or_insert_with(|| format!("{}:{line}", file.display()));
            }
        }
    }
    edges
}

#[test]
fn no_layer_reaches_up() {
    let edges = edges();
    assert!(edges.contains_key(&("pages".to_string(), "components".to_string())), "the check sees edges: {edges:?}");
    let wrong: Vec<String> = edges
        .iter()
        .filter_map(|((from, to), at)| wrong_edge(from, to).map(|why| format!("{at}: {from} names {to} ({why})")))
        .collect();
    assert!(wrong.is_empty(), "dependencies pointing the wrong way:\n{}", wrong.join("\n"));
}

/// A path from `start` back to itself, if any (depth-first over the unit graph).
fn cycle_from(start: &str, graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn walk(
        at: &str,
        start: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(next, start, graph, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(start, start, graph, &mut path, &mut BTreeSet::new()).then(|| {
        path.push(start.to_string());
        path
    })
}

#[test]
fn no_cycle_between_units() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges().into_keys() {
        if (from.as_str(), to.as_str()) != ("server/web", "app") {
            graph.entry(from).or_default().insert(to);
        }
    }
    let cycles: Vec<String> = graph.keys().filter_map(|unit| cycle_from(unit, &graph)).map(|c| c.join(" → ")).collect();
    assert!(cycles.is_empty(), "units that depend on each other:\n{}", cycles.join("\n"));
}

/// The modules of `src/server/<layer>/` each names (`layer::module` paths, grouped ones too, and
/// `super::module` in the layer's own files), as edges between modules.
fn module_edges(layer: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server").join(layer);
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let module_of = |file: &Path| {
        let first = file.strip_prefix(&dir).unwrap().components().next().unwrap();
        first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).filter(|m| m != "mod").collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        let top_level = file.parent() == Some(dir.as_path());
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut named = Vec::new();
            for prefix in [format!("{layer}::"), if top_level { "super::".to_string() } else { String::new() }] {
                if prefix.is_empty() {
                    continue;
                }
                for (at, _) in code.match_indices(&prefix) {
                    named.extend(names_after(&code[at + prefix.len()..]));
                }
            }
            for to in named {
                if to != from && modules.contains(&to) && from != "mod" {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    graph
}

/// Inside a layer, modules depend one way too: two services (or two parts of the web server) that
/// name each other are one piece in two files, or share something that belongs in a third.
#[test]
fn no_cycle_inside_a_layer() {
    let services = module_edges("services");
    assert!(services.get("coherence").is_some_and(|to| to.contains("live")), "found the services' edges: {services:?}");
    let mut cycles = Vec::new();
    for layer in ["services", "db", "web"] {
        let graph = module_edges(layer);
        cycles
            .extend(graph.keys().filter_map(|m| cycle_from(m, &graph)).map(|c| format!("{layer}: {}", c.join(" → "))));
    }
    assert!(cycles.is_empty(), "modules of one layer that depend on each other:\n{}", cycles.join("\n"));
}

/// What of `server/db` a file names (`server::db::x`, `server::db::{x, y}`), as `(line, name)`.
fn database_items(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("server::db::") {
            found.extend(names_after(&code[at + "server::db::".len()..]).into_iter().map(|name| (n + 1, name)));
        }
    }
    found
}

/// The web server's handlers and plumbing go through services for data: from `server/db` they may
/// name only the handle (`Db`, to hold and pass on) and the database's clock (`now`).
#[test]
fn handlers_reach_the_database_through_services() {
    assert_eq!(
        database_items(
            "use crate::server::db::{movies::{self, A}, Db};\nlet t = crate::server::db::now(); // server::db::x"
        ),
        [(1, "movies".to_string()), (1, "Db".to_string()), (2, "now".to_string())]
    );
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/web");
    let mut files = Vec::new();
    rust_files(&web, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, name) in database_items(&text) {
            if !matches!(name.as_str(), "Db" | "now") {
                wrong.push(format!("{}:{line}: names db::{name}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "web code reaching into the database layer:\n{}", wrong.join("\n"));
}

/// Whether a line of handler code hands the server's database handle to something (its health
/// check's ping aside): services own their handle, so handlers never pass one.
fn passes_the_database(code: &str) -> bool {
    code.match_indices("state.db").any(|(at, found)| {
        let after = &code[at + found.len()..];
        let whole_name = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        whole_name && !after.starts_with(".ping()")
    })
}

/// Every service (club, rounds, catalogue, accounts, tokens, imports, posters, predictions) owns its
/// database handle; pages, components and the HTTP layer call their methods and never hand them the
/// database. Only `web/state.rs`, which builds the services, gives each its handle.
#[test]
fn handlers_hand_services_no_database() {
    assert!(passes_the_database("state.catalogue.list(&state.db, &filter)"));
    assert!(passes_the_database("accounts::members(&call.state.db).await"));
    assert!(!passes_the_database("timeout(two, state.db.ping()).await"));
    assert!(!passes_the_database("state.dbx; call.state.catalogue.stats()"));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["pages", "components", "server/web"] {
        rust_files(&src.join(dir), &mut files);
    }
    assert!(files.len() > 30, "found the handlers: {}", files.len());
    let mut wrong = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("server/web/state.rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if passes_the_database(line.split("//").next().unwrap_or("")) {
                wrong.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(wrong.is_empty(), "handlers passing the database to a service:\n{}", wrong.join("\n"));
}

/// Pages share pieces through `components/` (or `pages/mod.rs`), never by importing each other. A
/// page is a file or a folder under `src/pages/`; the files of one folder share freely.
#[test]
fn no_page_imports_another() {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
    let page_of = |file: &Path| {
        let first = file.strip_prefix(&pages).unwrap().components().next().unwrap();
        first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string()
    };
    let mut files = Vec::new();
    rust_files(&pages, &mut files);
    let mut names: Vec<String> = files.iter().map(|f| page_of(f)).filter(|p| p != "mod").collect();
    names.dedup();
    assert!(names.len() > 5 && names.contains(&"predictions".to_string()), "found the pages: {names:?}");
    let mut wrong = Vec::new();
    for file in &files {
        let own = page_of(file);
        // In a page's own folder `super::` is that page; in a top-level file it is `pages`.
        let top_level = file.parent() == Some(pages.as_path());
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for other in names.iter().filter(|name| **name != own) {
                let through_super = top_level && code.contains(&format!("super::{other}::"));
                if code.contains(&format!("pages::{other}::")) || through_super {
                    wrong.push(format!("{}:{}: {own} imports the page {other}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "pages importing pages:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_wrong_edges() {
    let edges = named_modules(
        "use crate::pages::account::whoami; // crate::app in a comment\nlet x = crate::model::A;\n\
         use crate::server::{web::auth, db::{movies, Db}, observe};\nuse crate::server::services::club;",
    );
    let names: Vec<&str> = edges.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["pages", "model", "server/web", "server/db", "server/observe", "server/services"]);
    assert_eq!(edges[2].0, 3);
    assert!(wrong_edge("components", "pages").is_some());
    assert!(wrong_edge("server/services", "server/web").is_some());
    assert!(wrong_edge("pages", "server/db").is_some());
    assert!(wrong_edge("server/db", "server/tools").is_some());
    assert!(wrong_edge("server/web", "app").is_none());
    assert!(wrong_edge("pages", "components").is_none());
    assert!(wrong_edge("validate", "model").is_none());
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")].iter().fold(BTreeMap::new(), |mut g, (f, t)| {
            g.entry(f.to_string()).or_insert_with(BTreeSet::new).insert(t.to_string());
            g
        });
    assert_eq!(cycle_from("a", &graph).unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_from("d", &graph), None);
}

/// The statements of a function body that follows `from` (the text just after its `{`), up to its
/// closing brace at the start of a line, without its `use` lines.
fn body_statements(from: &str) -> String {
    let end = from.find("\n}").unwrap_or(from.len());
    from[..end]
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("use ") && !line.starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Server functions whose body is not one `serve(|call| …)` (directly, or through a function of
/// the same file whose body is), as `file: function`.
fn server_fns_without_serve(files: &[PathBuf]) -> Vec<String> {
    let mut wrong = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let body_of = |name: &str| {
            let sig = text.find(&format!("fn {name}(")).or_else(|| text.find(&format!("fn {name}<")))?;
            let open = text[sig..].find(" {\n")? + sig + 3;
            Some(body_statements(&text[open..]))
        };
        for (at, _) in text.match_indices("#[server(") {
            let sig = at + text[at..].find("fn ").unwrap() + 3;
            let name: String = text[sig..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let body = body_of(&name).unwrap_or_default();
            let callee: String = body.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let served = callee == "serve"
                || (callee != name && body_of(&callee).is_some_and(|inner| inner.starts_with("serve(")));
            if !served {
                wrong.push(format!("{}: {name}", file.display()));
            }
        }
    }
    wrong
}

#[test]
fn every_server_function_is_one_serve() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let count: usize = files.iter().map(|f| std::fs::read_to_string(f).unwrap().matches("#[server(").count()).sum();
    assert!(count >= 40, "only {count} server functions found");
    let wrong = server_fns_without_serve(&files);
    assert!(wrong.is_empty(), "server functions that do not start from `serve(|call| …)`: {wrong:?}");
}

#[test]
fn the_serve_check_sees_a_server_function_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.rs");
    std::fs::write(
        &file,
        "#[server(endpoint = \"a\")]\npub async fn a() -> Result<(), AppError> {\n    use x;\n    serve(|call| async move { Ok(()) }).await\n}\n\n\
         #[server(endpoint = \"b\")]\npub async fn b() -> Result<(), AppError> {\n    Ok(app_state()?.thing())\n}\n\n\
         #[server(endpoint = \"c\")]\npub async fn c(x: u32) -> Result<u32, AppError> {\n    helper(x).await\n}\n\n\
         async fn helper(x: u32) -> Result<u32, AppError> {\n    serve(|_call| async move { Ok(x) }).await\n}\n",
    )
    .unwrap();
    assert_eq!(server_fns_without_serve(std::slice::from_ref(&file)), vec![format!("{}: b", file.display())]);
}

/// The pages' addresses, from the routes in `src/app.rs`: their first segment ("/vote", "/rounds").
fn page_addresses() -> Vec<String> {
    let app = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app.rs")).unwrap();
    let mut found = BTreeSet::new();
    for (at, _) in app.match_indices("path!(\"/") {
        let rest = &app[at + "path!(\"/".len()..];
        let segment: String =
            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        if !segment.is_empty() {
            found.insert(format!("/{segment}"));
        }
    }
    found.into_iter().collect()
}

/// Each string literal of Rust source with the line it starts on; comments skipped.
fn string_literals(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut current: Option<(usize, String)> = None;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match &mut current {
            Some((_, s)) => match c {
                '\\' => {
                    if let Some(next) = chars.next() {
                        if next == '\n' {
                            line += 1;
                        }
                        s.push(next);
                    }
                }
                '"' => found.push(current.take().unwrap()),
                _ => s.push(c),
            },
            None => match c {
                '"' => current = Some((line, String::new())),
                '/' if chars.peek() == Some(&'/') => {
                    for skipped in chars.by_ref() {
                        if skipped == '\n' {
                            line += 1;
                            break;
                        }
                    }
                }
                // A char literal such as '"' is not the start of a string.
                '\'' => {
                    let ahead: String = chars.clone().take(3).collect();
                    if ahead.starts_with("\"'") || ahead.starts_with("\\\"") {
                        chars.nth(ahead.find('\'').unwrap_or(1));
                    }
                }
                _ => {}
            },
        }
    }
    found
}

/// What in `text` speaks to people rather than to the database: the app's error type, or a page
/// address in a string, as `(line, what)`.
fn user_words(text: &str, addresses: &[String]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        if code.split(|c: char| !c.is_alphanumeric() && c != '_').any(|word| word == "AppError") {
            found.push((n + 1, "AppError".to_string()));
        }
    }
    for (line, literal) in string_literals(text) {
        for address in addresses {
            let hit = literal.match_indices(address.as_str()).any(|(at, _)| {
                let before = literal[..at].chars().next_back();
                let after = literal[at + address.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric())
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
            });
            if hit {
                found.push((line, format!("the page address {address}")));
            }
        }
    }
    found
}

/// `db/` reads and writes rows: its refusals are typed (`StepError::Refused`), and the services
/// word them for people. So it names no `AppError` and no page of the site.
#[test]
fn the_database_layer_speaks_no_user_words() {
    let addresses = page_addresses();
    assert!(addresses.contains(&"/vote".to_string()) && addresses.contains(&"/rounds".to_string()), "{addresses:?}");
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/db");
    let mut files = Vec::new();
    rust_files(&db, &mut files);
    assert!(files.len() > 10, "the database layer's files");
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, what) in user_words(&text, &addresses) {
            wrong.push(format!("{}:{line}: {what}", file.display()));
        }
    }
    assert!(wrong.is_empty(), "the database layer speaking to people:\n{}", wrong.join("\n"));
}

#[test]
fn the_words_check_sees_errors_and_addresses() {
    let addresses = vec!["/vote".to_string(), "/rounds".to_string()];
    let text = "use crate::error::AppError; // AppError in a comment is fine\n\
                let a = format!(\"see /vote#proposal-{id}\");\n\
                let b = \"/rounds/\".to_string() + '\"'.to_string().as_str();\n\
                let c = \"SELECT voters FROM /api/v1/rounds\"; // \"/vote\"\n\
                let d = \"http://x/voters\";\n";
    assert_eq!(
        user_words(text, &addresses),
        [
            (1, "AppError".to_string()),
            (2, "the page address /vote".to_string()),
            (3, "the page address /rounds".to_string()),
        ]
    );
}
