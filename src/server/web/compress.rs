//! Compressed answers. Pages and JSON are compressed as they stream, with each chunk flushed on its
//! own, so a page's first flush (the header and the top items) still reaches the reader first.
//! The built bundle (wasm, JavaScript, CSS) is compressed once at build time instead, at the
//! highest settings, and served as it is (`marquee compress-assets`).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The encoding to answer with: brotli if the client takes it, else gzip, else none.
pub fn preferred(headers: &HeaderMap) -> Option<Encoding> {
    let accepted: Vec<(String, f32)> = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let name = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                .unwrap_or(1.0);
            Some((name, q))
        })
        .collect();
    let takes = |name: &str| accepted.iter().any(|(n, q)| n == name && *q > 0.0);
    if takes("br") {
        Some(Encoding::Brotli)
    } else if takes("gzip") {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

fn compressible(content_type: &str) -> bool {
    let t = content_type.trim_start().to_ascii_lowercase();
    // An event stream's small events would each need a flush, and each stream an encoder's memory.
    (t.starts_with("text/") && !t.starts_with("text/event-stream"))
        || t.starts_with("application/json")
        || t.contains("javascript")
        || t.starts_with("application/wasm")
        || t.starts_with("image/svg+xml")
}

/// Answers below this size gain nothing from compression.
const MIN_SIZE: u64 = 512;

/// Larger answers of a known size are files: the release bundle is compressed at build time, and
/// compressing a development bundle (tens of MB of wasm) on every request would cost seconds.
const MAX_SIZE: u64 = 256 * 1024;

/// Middleware: compresses compressible answers the client accepts compressed, chunk by chunk.
pub async fn compress(req: Request, next: Next) -> Response {
    let encoding = if req.method() == Method::HEAD { None } else { preferred(req.headers()) };
    let mut res = next.run(req).await;
    res.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let Some(encoding) = encoding else { return res };
    let headers = res.headers();
    let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let out_of_range = length.is_some_and(|n| !(MIN_SIZE..=MAX_SIZE).contains(&n));
    let fits = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(compressible);
    if !fits
        || out_of_range
        || headers.contains_key(header::CONTENT_ENCODING)
        || matches!(res.status(), StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
        || res.status().is_informational()
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding.name()));
    let stream = body.into_data_stream();
    let compressed =
        futures::stream::unfold((stream, Some(Encoder::new(encoding))), |(mut stream, encoder)| async move {
            let mut encoder = encoder?;
            loop {
                match stream.next().await {
                    Some(Ok(chunk)) => {
                        let out = encoder.chunk(&chunk);
                        if !out.is_empty() {
                            return Some((Ok(out), (stream, Some(encoder))));
                        }
                    }
                    Some(Err(err)) => return Some((Err(err), (stream, None))),
                    None => return Some((Ok(encoder.finish()), (stream, None))),
                }
            }
        });
    Response::from_parts(parts, Body::from_stream(compressed))
}

/// A streaming encoder whose output after each chunk decodes to everything given so far.
enum Encoder {
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
}

impl Encoder {
    /// Quality for answers made per request: fast, and still far smaller than none.
    fn new(encoding: Encoding) -> Encoder {
        match encoding {
            Encoding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(Vec::new(), 4096, 5, 20))),
            Encoding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(5))),
        }
    }

    fn chunk(&mut self, data: &[u8]) -> Bytes {
        // Writing to memory cannot fail.
        match self {
            Encoder::Brotli(w) => {
                let _ = w.write_all(data);
                let _ = w.flush();
                Bytes::from(std::mem::take(w.get_mut()))
            }
            Encoder::Gzip(w) => {
                let _ = w.write_all(data);
                let _ = w.flush();
                Bytes::from(std::mem::take(w.get_mut()))
            }
        }
    }

    fn finish(self) -> Bytes {
        match self {
            Encoder::Brotli(w) => Bytes::from(w.into_inner()),
            Encoder::Gzip(w) => Bytes::from(w.finish().unwrap_or_default()),
        }
    }
}

/// What `compress_assets` wrote for one file.
pub struct AssetSizes {
    pub path: String,
    pub raw: u64,
    pub brotli: u64,
    pub gzip: u64,
}

/// Writes `NAME.br` and `NAME.gz` beside every compressible file under `dir` (once, at build time,
/// at the highest settings), for the static file service to send as they are.
pub fn compress_assets(dir: &Path) -> std::io::Result<Vec<AssetSizes>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if !matches!(ext, "js" | "wasm" | "css" | "svg" | "html" | "json" | "txt") {
                continue;
            }
            let data = std::fs::read(&path)?;
            let mut br = Vec::new();
            {
                let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
                brotli::BrotliCompress(&mut data.as_slice(), &mut br, &params)?;
            }
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&data)?;
            let gz = gz.finish()?;
            let with = |suffix: &str| {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                std::path::PathBuf::from(p)
            };
            std::fs::write(with(".br"), &br)?;
            std::fs::write(with(".gz"), &gz)?;
            out.push(AssetSizes {
                path: path.strip_prefix(dir.as_path()).unwrap_or(&path).display().to_string(),
                raw: data.len() as u64,
                brotli: br.len() as u64,
                gzip: gz.len() as u64,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, accept.parse().unwrap());
        h
    }

    #[test]
    fn brotli_is_preferred_then_gzip() {
        assert_eq!(preferred(&headers("gzip, deflate, br, zstd")), Some(Encoding::Brotli));
        assert_eq!(preferred(&headers("gzip")), Some(Encoding::Gzip));
        assert_eq!(preferred(&headers("br;q=0, gzip;q=0.5")), Some(Encoding::Gzip));
        assert_eq!(preferred(&headers("identity")), None);
        assert_eq!(preferred(&HeaderMap::new()), None);
    }

    #[test]
    fn every_flushed_chunk_decodes_to_what_was_sent_so_far() {
        for encoding in [Encoding::Brotli, Encoding::Gzip] {
            let mut encoder = Encoder::new(encoding);
            let first = encoder.chunk(b"<header>the top 25</header>");
            let second = encoder.chunk(b"<ol>the rest</ol>");
            let end = encoder.finish();
            // The first chunk alone already decodes to the first part.
            let mut partial = Vec::new();
            match encoding {
                Encoding::Brotli => {
                    let _ = brotli::Decompressor::new(first.as_ref(), 4096).read_to_end(&mut partial);
                }
                Encoding::Gzip => {
                    let _ = flate2::read::GzDecoder::new(first.as_ref()).read_to_end(&mut partial);
                }
            }
            assert_eq!(partial, b"<header>the top 25</header>", "{encoding:?}");
            let all = [first, second, end].concat();
            let mut whole = Vec::new();
            match encoding {
                Encoding::Brotli => brotli::Decompressor::new(all.as_slice(), 4096).read_to_end(&mut whole).unwrap(),
                Encoding::Gzip => flate2::read::GzDecoder::new(all.as_slice()).read_to_end(&mut whole).unwrap(),
            };
            assert_eq!(whole, b"<header>the top 25</header><ol>the rest</ol>", "{encoding:?}");
        }
    }
}
