//! Splits a `wasm32-unknown-unknown` build (linked with `--emit-relocs`) at its `#[lazy]` and
//! `#[lazy_route]` split points, using the same library as cargo-leptos. It writes:
//! - the main module, still to be processed by `wasm-bindgen`;
//! - one `.wasm` file per split point and per chunk shared between split points;
//! - the loader that fetches them (imported by the main module under `--link-name`);
//! - `__wasm_split_manifest.json`: for each split point, the files it needs, which the server
//!   reads to preload the chunks of the page it renders.

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
    /// Where the main module goes.
    #[arg(long)]
    main_out: PathBuf,
    /// The URL the loader imports the main module's JavaScript from (`/pkg/marquee.<hash>.js`).
    #[arg(long)]
    main_module: String,
    /// The loader's file name, as the main module imports it (`./__wasm_split.<hash>.js`).
    #[arg(long)]
    link_name: String,
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
    for module in &split.split_modules {
        println!("{}", module.display());
    }
    Ok(())
}
