//! `marquee bench-posters`: makes posters from realistic source images (the size the IMDb API
//! reports, photographic detail) and prints what it costs and what a phone downloads, originals
//! against what Marquee serves. `--write-sources DIR` only writes the source images (for the load
//! suite's poster host).

use super::{median, BoxError};
use crate::server::services::posters::{process, WIDTHS};
use std::path::Path;
use std::time::{Duration, Instant};

/// A 1200 × 1800 JPEG at quality 85 with detail at every scale, as a photograph has (gradients,
/// shapes with edges, texture, a little grain): several hundred KB, like poster originals.
pub fn realistic_source(seed: u64) -> Result<Vec<u8>, image::ImageError> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (w, h) = (1200u32, 1800u32);
    let base = [rng.f32() * 160.0 + 40.0, rng.f32() * 160.0 + 40.0, rng.f32() * 160.0 + 40.0];
    let shapes: Vec<(f32, f32, f32, [f32; 3])> = (0..12)
        .map(|_| {
            let tint = [rng.f32() * 120.0 - 60.0, rng.f32() * 120.0 - 60.0, rng.f32() * 120.0 - 60.0];
            (rng.f32() * w as f32, rng.f32() * h as f32, 60.0 + rng.f32() * 260.0, tint)
        })
        .collect();
    let (fx, fy) = (3.0 + rng.f32() * 4.0, 4.0 + rng.f32() * 5.0);
    let image = image::RgbImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let mut px = base;
        let light = 50.0 * (yf / h as f32) - 25.0 + 18.0 * (xf / 97.0).sin() * (yf / 131.0).cos();
        let texture = 9.0 * (xf / fx + yf / 11.0).sin() * (yf / fy).sin();
        for (cx, cy, r, tint) in &shapes {
            if (xf - cx).powi(2) + (yf - cy).powi(2) < r * r {
                for c in 0..3 {
                    px[c] += tint[c];
                }
            }
        }
        image::Rgb(px.map(|v| (v + light + texture + rng.f32() * 10.0 - 5.0).clamp(0.0, 255.0) as u8))
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&image)?;
    Ok(out)
}

pub fn write_sources(dir: &Path, count: usize) -> Result<(), BoxError> {
    std::fs::create_dir_all(dir)?;
    for i in 0..count {
        std::fs::write(dir.join(format!("{i}.jpg")), realistic_source(i as u64)?)?;
    }
    println!("{count} source images written to {}", dir.display());
    Ok(())
}

pub fn run_posters(count: usize) -> Result<(), BoxError> {
    let mut source_bytes = Vec::new();
    let mut made = vec![Vec::new(); WIDTHS.len()];
    let mut times = Vec::new();
    for i in 0..count {
        let source = realistic_source(i as u64)?;
        let started = Instant::now();
        let processed = process(&source)?;
        times.push(started.elapsed());
        source_bytes.push(source.len() as u64);
        for (slot, (_, bytes)) in made.iter_mut().zip(&processed.variants) {
            slot.push(bytes.len() as u64);
        }
    }
    let mean = |v: &[u64]| v.iter().sum::<u64>() / v.len().max(1) as u64;
    let per_poster: u64 = made.iter().map(|v| mean(v)).sum();
    println!("posters made from {count} realistic 1200×1800 JPEG originals (one core)\n");
    println!("| image | mean bytes |");
    println!("|---|---:|");
    println!("| original (hotlinked before) | {} |", mean(&source_bytes));
    for (w, sizes) in WIDTHS.iter().zip(&made) {
        println!("| WebP {w} px | {} |", mean(sizes));
    }
    println!("| stored per poster (three widths) | {per_poster} |");
    let mut sorted = times.clone();
    sorted.sort();
    let p95 = sorted[(sorted.len() * 95 / 100).min(sorted.len() - 1)];
    println!("\nmaking one poster: median {:.0} ms, p95 {:.0} ms", ms(median(times)), ms(p95));
    println!("2,000 posters: {:.1} MB stored", per_poster as f64 * 2000.0 / 1e6);
    // The phone profile (390 × 844 at 3×): /vote's first screen shows about five proposal cards,
    // 64 CSS px wide, so 192 device px: the 320 px image.
    let shown = 5;
    println!(
        "\n/vote first screen on a phone ({shown} posters): hotlinked originals {} bytes, served by Marquee {} bytes",
        shown * mean(&source_bytes),
        shown * mean(&made[1])
    );
    println!(
        "/vote with 20 proposals, every poster: hotlinked originals {} bytes, served by Marquee {} bytes",
        20 * mean(&source_bytes),
        20 * mean(&made[1])
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
