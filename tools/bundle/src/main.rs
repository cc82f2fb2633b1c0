//! Turns a `wasm32-unknown-unknown` build (linked with `--emit-relocs`) into the browser bundle,
//! with the same libraries as cargo-leptos:
//! 1. splits it at its `#[lazy]` and `#[lazy_route]` split points, writing one `.wasm` file per
//!    split point and per chunk shared between split points, the loader that fetches them
//!    (imported by the main module under `--link-name`), and `__wasm_split_manifest.json`: for
//!    each split point, the files it needs, which the server reads to preload the chunks of the
//!    page it renders;
//! 2. generates the main module's JavaScript bindings (what `wasm-bindgen --target web` does),
//!    writing `<out-name>.js` and `<out-name>_bg.wasm` into `--bindgen-out`.
//!
//! Prints the chunks' paths, one per line.

use clap::Parser;
use eyre::{Result, WrapErr};
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The wasm file cargo built.
    input: PathBuf,
    /// Where the chunks, the loader and the manifest go (the site's pkg directory).
    out_dir: PathBuf,
    /// Where the split-off main module goes, before its bindings are generated.
    #[arg(long)]
    main_out: PathBuf,
    /// The URL the loader imports the main module's JavaScript from (`/pkg/marquee.<hash>.js`).
    #[arg(long)]
    main_module: String,
    /// The loader's file name, as the main module imports it (`./__wasm_split.<hash>.js`).
    #[arg(long)]
    link_name: String,
    /// Where the main module's JavaScript and its processed wasm go.
    #[arg(long)]
    bindgen_out: PathBuf,
    /// The name of those two files (`<out-name>.js`, `<out-name>_bg.wasm`).
    #[arg(long, default_value = "marquee")]
    out_name: String,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let input = std::fs::read(&cli.input).wrap_err_with(|| format!("reading {}", cli.input.display()))?;
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &cli.out_dir;
        opts.main_out_path = &cli.main_out;
        opts.main_module = &cli.main_module;
        opts.link_name = &cli.link_name;
        opts.target.web();
        opts
    })
    .wrap_err("splitting the wasm bundle")?;
    // Sorted, so the same input always writes the same manifest.
    let manifest: std::collections::BTreeMap<_, _> = split.prefetch_map.into_iter().collect();
    let manifest_path = cli.out_dir.join("__wasm_split_manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)?)
        .wrap_err_with(|| format!("writing {}", manifest_path.display()))?;

    // What `wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle` writes: the
    // lld exports stay (the chunks link to the main module by them), and so do Rust's names
    // (wasm-opt strips them from the release bundle).
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&cli.main_out)
        .web(true)
        .map_err(|e| eyre::eyre!("{e:#}"))?
        .typescript(false)
        .keep_lld_exports(true)
        .demangle(false)
        .omit_default_module_path(false)
        .out_name(&cli.out_name)
        .generate(&cli.bindgen_out)
        .map_err(|e| eyre::eyre!("generating the JavaScript bindings of {}: {e:#}", cli.main_out.display()))?;

    for module in &split.split_modules {
        println!("{}", module.display());
    }
    Ok(())
}
