//! Where a visitor goes back to after logging in or switching language: only a path on this site, so that a
//! link carrying `next=` or `back=` can never send anyone to another site (an open redirect).

use actix_web::dev::ServiceResponse;
use actix_web::http::{header, Method};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::HttpRequest;

use crate::error::AppError;

/// Longest return address kept; a longer one is not a page anyone was reading.
const MAX_RETURN_PATH: usize = 2000;

/// The return address if it is a path on this site, else `None`. Browsers read `\` as `/` and drop tabs and
/// newlines inside a URL, so `/\evil.example/` or `/<TAB>/evil.example` would leave the site; those and
/// anything with a scheme, a host, a control character or white space are refused, before and after
/// percent-decoding (a server or proxy in between may decode `%5C` once).
pub fn same_site_path(candidate: &str) -> Option<&str> {
    let acceptable = |p: &str| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
    };
    let decoded = percent_decode(candidate);
    (candidate.len() <= MAX_RETURN_PATH && acceptable(candidate) && acceptable(&decoded)).then_some(candidate)
}

/// The return address, or the home page when it is not a path on this site.
pub fn same_site_path_or_home(candidate: Option<&str>) -> String {
    candidate.and_then(same_site_path).unwrap_or("/").to_string()
}

/// Decodes `%XX` escapes once; anything that is not a valid escape stays as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The page being shown, as a return address: the path itself for a GET; for a form re-shown after a POST,
/// the page the form was on (the Referer, when it is this site's), since the POST's own path is no page.
pub fn current_page(req: &HttpRequest) -> String {
    if req.method() == Method::GET {
        let here = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
        return same_site_path_or_home(Some(here));
    }
    let host = req.connection_info().host().to_string();
    let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let path = ["http://", "https://"].iter().find_map(|scheme| referer.strip_prefix(scheme)?.strip_prefix(&host));
    same_site_path_or_home(path)
}

/// The log-in page's address, remembering the page to come back to (none for the home page or the
/// account pages themselves, where coming back would mean nothing).
pub fn login_url(next: &str) -> String {
    let pointless =
        next == "/" || ["/login", "/register", "/verify", "/password/", "/logout"].iter().any(|p| next.starts_with(p));
    match same_site_path(next) {
        Some(next) if !pointless => format!("/login?next={}", encode_query_value(next)),
        _ => "/login".to_string(),
    }
}

/// Percent-encodes a query value (everything but unreserved characters and `/`).
fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A visitor sent to log in from a page they asked for comes back to it afterwards: the redirect to the log-in
/// page carries the page as `next`. Runs on every 303; only the log-in redirect of a `PageError` is changed.
pub fn add_next_to_login_redirect<B>(mut res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let unauthenticated = matches!(res.response().extensions().get::<AppError>(), Some(AppError::Unauthenticated));
    if unauthenticated && res.request().method() == Method::GET {
        let location = login_url(&current_page(res.request()));
        if let Ok(value) = header::HeaderValue::from_str(&location) {
            res.response_mut().headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(ErrorHandlerResponse::Response(res.map_into_left_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_on_this_site_is_kept() {
        for path in ["/", "/calls/3", "/applications/12/step/home?x=1", "/funder/applications?call=&status="] {
            assert_eq!(same_site_path(path), Some(path), "{path}");
        }
    }

    #[test]
    fn anything_that_a_browser_would_take_off_site_is_refused() {
        for bad in [
            "//evil.example/",
            "/\\evil.example/",
            "\\\\evil.example",
            "/%5Cevil.example/",
            "/%5cevil.example/",
            "/%2F%2Fevil.example",
            "/%2fevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/%09/evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "http:evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(same_site_path(bad), None, "{bad:?}");
        }
        assert_eq!(same_site_path(&format!("/{}", "a".repeat(MAX_RETURN_PATH))), None);
    }

    #[test]
    fn a_refused_address_falls_back_to_the_home_page() {
        assert_eq!(same_site_path_or_home(Some("//evil.example")), "/");
        assert_eq!(same_site_path_or_home(None), "/");
        assert_eq!(same_site_path_or_home(Some("/calls/1")), "/calls/1");
    }

    #[test]
    fn the_login_address_carries_the_page_encoded_and_never_an_account_page() {
        assert_eq!(login_url("/applications/4/step/home"), "/login?next=/applications/4/step/home");
        assert_eq!(
            login_url("/funder/applications?call=1&status="),
            "/login?next=/funder/applications%3Fcall%3D1%26status%3D"
        );
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("/login?next=/x"), "/login");
        assert_eq!(login_url("//evil.example"), "/login");
    }
}
