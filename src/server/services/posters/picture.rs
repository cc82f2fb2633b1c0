//! One poster's image: recognised by its bytes, checked, resized and encoded to WebP.

use super::*;

/// Bumped when the images made from a source change (sizes, quality), so their names change too.
pub(super) const PIPELINE: &[u8] = b"marquee-poster-webp-q72-v1";
pub(super) const QUALITY: f32 = 72.0;
/// The largest side and the most pixels decoded: a real poster has far fewer (2,000 × 3,000).
pub const MAX_SIDE: u32 = 8_000;
pub const MAX_PIXELS: u64 = 40_000_000;
/// Posters handled per database round trip of the background job.
pub(super) const BATCH: u32 = 20;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PosterError {
    #[error("the address {0:?} is not an allowed poster host (setting posters.hosts)")]
    HostNotAllowed(String),
    #[error("the poster's host answered HTTP {0}")]
    Http(u16),
    #[error("the poster could not be downloaded: {0}")]
    Network(String),
    #[error("the poster is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the poster is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the poster is cut short (its end is missing)")]
    Truncated,
    #[error("the poster is {0}×{1} pixels, more than allowed")]
    TooManyPixels(u32, u32),
    #[error("the poster could not be decoded: {0}")]
    Undecodable(String),
    #[error("the poster could not be encoded: {0}")]
    Unencodable(String),
}

impl PosterError {
    /// The metric label for this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            PosterError::HostNotAllowed(_) => "host_not_allowed",
            PosterError::Http(_) => "http_error",
            PosterError::Network(_) => "network_error",
            PosterError::TooLarge(_) => "too_large",
            PosterError::NotAnImage => "not_an_image",
            PosterError::Truncated => "truncated",
            PosterError::TooManyPixels(..) => "too_many_pixels",
            PosterError::Undecodable(_) => "undecodable",
            PosterError::Unencodable(_) => "unencodable",
        }
    }
}

/// A poster made ready to serve: its name and one WebP per width in `WIDTHS`.
#[derive(Debug, Clone)]
pub struct Processed {
    pub key: String,
    pub variants: Vec<(u32, Vec<u8>)>,
}

/// Which image format the bytes are, by their first bytes (never by what a server says).
pub(super) fn sniff(bytes: &[u8]) -> Option<image::ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(image::ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(image::ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(image::ImageFormat::WebP)
    } else {
        None
    }
}

/// Whether the image ends as its format says it must: decoders fill a cut-off image with grey
/// rather than fail, and a half-downloaded poster must not be kept.
pub(super) fn complete(format: image::ImageFormat, bytes: &[u8]) -> bool {
    match format {
        image::ImageFormat::Jpeg => {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            bytes[..end].ends_with(&[0xFF, 0xD9])
        }
        image::ImageFormat::Png => bytes.len() >= 12 && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND",
        image::ImageFormat::WebP => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
            bytes.len() >= declared.saturating_add(8)
        }
        _ => false,
    }
}

/// Checks, decodes, resizes and encodes one source image. CPU-bound: run it off the async threads.
pub fn process(bytes: &[u8]) -> Result<Processed, PosterError> {
    let format = sniff(bytes).ok_or(PosterError::NotAnImage)?;
    let reader = || image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    // The header's size first, so a decompression bomb is refused before anything is allocated.
    let (width, height) = reader().into_dimensions().map_err(|e| PosterError::Undecodable(e.to_string()))?;
    if width == 0 || height == 0 {
        return Err(PosterError::Undecodable("the image has no pixels".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(PosterError::TooManyPixels(width, height));
    }
    if !complete(format, bytes) {
        return Err(PosterError::Truncated);
    }
    let mut decoder = reader();
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    decoder.limits(limits);
    let source = decoder.decode().map_err(|e| PosterError::Undecodable(e.to_string()))?.to_rgb8();

    let mut variants = Vec::with_capacity(WIDTHS.len());
    let mut colour = [0u8; 3];
    // Largest first, each made from the one before: a third of the work of three full resizes.
    let mut previous = source;
    for &nominal in WIDTHS.iter().rev() {
        // Never enlarged: a small source gives the same pixels under each name.
        let w = nominal.min(width);
        let h = ((height as u64 * w as u64 + width as u64 / 2) / width as u64).max(1) as u32;
        let resized = if (w, h) == previous.dimensions() {
            previous
        } else {
            // Through DynamicImage, whose resize is compiled in the image crate as one code unit
            // (Cargo.toml): generic here, it was compiled in this crate's code units without
            // inlining across them, and made each poster take three times as long.
            image::DynamicImage::ImageRgb8(previous)
                .resize_exact(w, h, image::imageops::FilterType::CatmullRom)
                .into_rgb8()
        };
        if nominal == WIDTHS[0] {
            colour = average(&resized);
        }
        let encoded = webp::Encoder::from_rgb(resized.as_raw(), w, h)
            .encode_simple(false, QUALITY)
            .map_err(|e| PosterError::Unencodable(format!("{e:?}")))?;
        variants.push((nominal, encoded.to_vec()));
        previous = resized;
    }
    variants.reverse();
    let digest = Sha256::new().chain_update(PIPELINE).chain_update(bytes).finalize();
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("{hash}-{:02x}{:02x}{:02x}", colour[0], colour[1], colour[2]);
    Ok(Processed { key, variants })
}

/// Makes the calling thread run only when a core would otherwise idle (Linux's SCHED_IDLE: a
/// request's thread that wakes up takes the core from it at once, where a nice 19 thread would keep
/// it to the end of its time slice); nice 19 where that is refused. Linux gives each thread its own.
pub(super) fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id, with a parameter that lives across the call.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
        let param = libc::sched_param { sched_priority: 0 };
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
    }
}

/// Waits until the server has had no request for `LULL` (at most `LONGEST_WAIT`). Making a
/// poster takes a core for a tenth of a second and fills its caches; requests that share the core
/// with it are slower even when it yields at once, so under load posters wait for a quiet moment.
/// A busy server still makes one poster every `LONGEST_WAIT`.
pub(super) async fn wait_for_a_lull() {
    const LULL: Duration = Duration::from_millis(250);
    const LONGEST_WAIT: Duration = Duration::from_secs(30);
    let started = Instant::now();
    loop {
        let quiet = crate::server::observe::quiet_for();
        if quiet >= LULL || started.elapsed() >= LONGEST_WAIT {
            return;
        }
        tokio::time::sleep((LULL - quiet).max(Duration::from_millis(50))).await;
    }
}

/// The mean colour: what a card shows until its image has loaded.
pub(super) fn average(image: &image::RgbImage) -> [u8; 3] {
    let mut sums = [0u64; 3];
    for pixel in image.pixels() {
        for (sum, channel) in sums.iter_mut().zip(pixel.0) {
            *sum += channel as u64;
        }
    }
    let n = (image.width() as u64 * image.height() as u64).max(1);
    sums.map(|s| (s / n) as u8)
}
