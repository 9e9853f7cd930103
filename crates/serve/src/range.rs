//! Replays served whole or in byte ranges (`Range: bytes=a-b`, `a-`, `-n`), so a player can
//! fetch the header and seek index first and a phone on a slow line can resume. One range per
//! request; a range past the end is 416 with the file's size. The replay hash is the `ETag`:
//! a replay never changes under its hash.

use std::io::SeekFrom;
use std::path::Path;

use axum::body::Body;
use axum::http::header::{ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use crate::ApiError;

/// A byte range asked for, both ends inclusive, within a file of known length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte.
    pub end: u64,
}

/// What a `Range` header asks of a file of `len` bytes: `Ok(None)` for the whole file (no header,
/// or one this service does not read, which HTTP says to ignore), `Err(())` for a range that
/// lies outside it.
pub fn parse_range(header: Option<&str>, len: u64) -> Result<Option<ByteRange>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None); // Several ranges: the whole file is a correct answer.
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Ok(None) };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => ByteRange { start, end: end.min(len.saturating_sub(1)) },
        (Ok(start), Err(_)) if b.is_empty() => ByteRange { start, end: len.saturating_sub(1) },
        (Err(_), Ok(suffix)) if a.is_empty() && suffix > 0 => {
            ByteRange { start: len.saturating_sub(suffix), end: len.saturating_sub(1) }
        }
        _ => return Ok(None),
    };
    if len == 0 || range.start >= len {
        return Err(());
    }
    Ok(Some(range))
}

/// The replay at `path` (whose hash is `hash`), whole or the range the request asks for.
pub async fn serve_replay(path: &Path, hash: &str, headers: &HeaderMap) -> Result<Response, ApiError> {
    let gone = || ApiError::not_found("the replay file is missing from the study's folder; add the study again");
    let mut file = tokio::fs::File::open(path).await.map_err(|_| gone())?;
    let len = file.metadata().await.map_err(|_| gone())?.len();
    let etag = format!("\"{hash}\"");
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Ok((StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response());
    }
    let range = parse_range(headers.get("range").and_then(|v| v.to_str().ok()), len).map_err(|()| ApiError {
        status: StatusCode::RANGE_NOT_SATISFIABLE,
        code: "range",
        message: format!("the replay has {len} bytes; ask for a range within them"),
        field: None,
    });
    let range = match range {
        Ok(r) => r,
        Err(e) => {
            let mut response = e.into_response();
            if let Ok(v) = format!("bytes */{len}").parse() {
                response.headers_mut().insert(CONTENT_RANGE, v);
            }
            return Ok(response);
        }
    };
    let (start, count, status) = match range {
        Some(r) => (r.start, r.end - r.start + 1, StatusCode::PARTIAL_CONTENT),
        None => (0, len, StatusCode::OK),
    };
    let mut bytes = vec![0u8; usize::try_from(count).map_err(|_| gone())?];
    file.seek(SeekFrom::Start(start)).await.map_err(|_| gone())?;
    file.read_exact(&mut bytes).await.map_err(|_| gone())?;
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let h = response.headers_mut();
    let put = |h: &mut HeaderMap, name, value: String| {
        if let Ok(v) = value.parse() {
            h.insert(name, v);
        }
    };
    put(h, CONTENT_TYPE, "application/octet-stream".into());
    put(h, CONTENT_LENGTH, count.to_string());
    put(h, ACCEPT_RANGES, "bytes".into());
    put(h, ETAG, etag);
    put(h, CACHE_CONTROL, "public, max-age=31536000, immutable".into());
    if let Some(r) = range {
        put(h, CONTENT_RANGE, format!("bytes {}-{}/{len}", r.start, r.end));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_http_says() {
        let r = |start, end| Ok(Some(ByteRange { start, end }));
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-9"), 100), r(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), r(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), r(90, 99));
        assert_eq!(parse_range(Some("bytes=-1000"), 100), r(0, 99));
        assert_eq!(parse_range(Some("bytes=50-1000"), 100), r(50, 99));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=0-0"), 0), Err(()));
        // Forms HTTP says to ignore: the whole file.
        for ignored in ["items=0-9", "bytes=9-0", "bytes=a-b", "bytes=0-1,5-6", "bytes=-0", "bytes=-"] {
            assert_eq!(parse_range(Some(ignored), 100), Ok(None), "{ignored}");
        }
    }
}
