//! The assessor web page at `/`: a few static files (HTML, CSS, JavaScript modules, an icon)
//! compiled into the binary, so `jixiao serve` alone is the whole application and no
//! front-end build step stands between a checkout and a working page. The page itself is public; every call
//! it makes to `/api` carries the token the assessor signs in with.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One embedded file and the content type it is served with.
struct Asset {
    body: &'static [u8],
    content_type: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the page by its path. The script is ES modules importing each other by
/// relative path (`./document.js`), loaded by the browser as they are.
const ASSETS: &[(&str, Asset)] = &[
    ("/", asset(include_bytes!("../../web/index.html"), HTML)),
    (
        "/index.html",
        asset(include_bytes!("../../web/index.html"), HTML),
    ),
    ("/app.js", asset(include_bytes!("../../web/app.js"), JS)),
    ("/api.js", asset(include_bytes!("../../web/api.js"), JS)),
    ("/state.js", asset(include_bytes!("../../web/state.js"), JS)),
    ("/ui.js", asset(include_bytes!("../../web/ui.js"), JS)),
    (
        "/format.js",
        asset(include_bytes!("../../web/format.js"), JS),
    ),
    ("/list.js", asset(include_bytes!("../../web/list.js"), JS)),
    (
        "/document.js",
        asset(include_bytes!("../../web/document.js"), JS),
    ),
    ("/text.js", asset(include_bytes!("../../web/text.js"), JS)),
    ("/form.js", asset(include_bytes!("../../web/form.js"), JS)),
    (
        "/related.js",
        asset(include_bytes!("../../web/related.js"), JS),
    ),
    // uPlot (MIT, from npm, see README "The review page"): the charts of a project's
    // figures over the years; the module is its minified build with an `export default`.
    (
        "/vendor/uplot.js",
        asset(include_bytes!("../../web/vendor/uplot.js"), JS),
    ),
    (
        "/vendor/uplot.css",
        asset(
            include_bytes!("../../web/vendor/uplot.css"),
            "text/css; charset=utf-8",
        ),
    ),
    // pdf.js (Apache-2.0, from npm by scripts/vendor-pdfjs.sh): the page view draws a PDF's
    // pages with it; its worker parses the file off the page's thread.
    (
        "/vendor/pdf.min.mjs",
        asset(include_bytes!("../../web/vendor/pdf.min.mjs"), JS),
    ),
    (
        "/vendor/pdf.worker.min.mjs",
        asset(include_bytes!("../../web/vendor/pdf.worker.min.mjs"), JS),
    ),
    ("/page.js", asset(include_bytes!("../../web/page.js"), JS)),
    ("/live.js", asset(include_bytes!("../../web/live.js"), JS)),
    ("/queue.js", asset(include_bytes!("../../web/queue.js"), JS)),
    (
        "/review.js",
        asset(include_bytes!("../../web/review.js"), JS),
    ),
    (
        "/app.css",
        asset(
            include_bytes!("../../web/app.css"),
            "text/css; charset=utf-8",
        ),
    ),
    (
        "/icon.svg",
        asset(include_bytes!("../../web/icon.svg"), "image/svg+xml"),
    ),
];

/// A character map of pdf.js by its name, served at `/vendor/cmaps/{name}.bcmap`.
macro_rules! cmap {
    ($name:literal) => {
        (
            concat!("/vendor/cmaps/", $name, ".bcmap"),
            include_bytes!(concat!("../../web/vendor/cmaps/", $name, ".bcmap")),
        )
    };
}

/// The character maps of simplified Chinese (Adobe-GB1) that pdf.js asks for when a PDF's
/// fonts are not embedded, as many government reports' are not (UniGB-UCS2-H above all);
/// other scripts' maps are left out. scripts/vendor-pdfjs.sh copies exactly these.
const CMAPS: &[(&str, &[u8])] = &[
    cmap!("Adobe-GB1-0"),
    cmap!("Adobe-GB1-1"),
    cmap!("Adobe-GB1-2"),
    cmap!("Adobe-GB1-3"),
    cmap!("Adobe-GB1-4"),
    cmap!("Adobe-GB1-5"),
    cmap!("Adobe-GB1-UCS2"),
    cmap!("GB-EUC-H"),
    cmap!("GB-EUC-V"),
    cmap!("GB-H"),
    cmap!("GB-V"),
    cmap!("GBK-EUC-H"),
    cmap!("GBK-EUC-V"),
    cmap!("GBK2K-H"),
    cmap!("GBK2K-V"),
    cmap!("GBKp-EUC-H"),
    cmap!("GBKp-EUC-V"),
    cmap!("GBT-EUC-H"),
    cmap!("GBT-EUC-V"),
    cmap!("GBT-H"),
    cmap!("GBT-V"),
    cmap!("GBTpc-EUC-H"),
    cmap!("GBTpc-EUC-V"),
    cmap!("GBpc-EUC-H"),
    cmap!("GBpc-EUC-V"),
    cmap!("UniGB-UCS2-H"),
    cmap!("UniGB-UCS2-V"),
    cmap!("UniGB-UTF16-H"),
    cmap!("UniGB-UTF16-V"),
    cmap!("UniGB-UTF32-H"),
    cmap!("UniGB-UTF32-V"),
    cmap!("UniGB-UTF8-H"),
    cmap!("UniGB-UTF8-V"),
];

const fn asset(body: &'static [u8], content_type: &'static str) -> Asset {
    Asset { body, content_type }
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let router = ASSETS.iter().fold(Router::new(), |router, (path, asset)| {
        router.route(path, get(move || async move { serve(asset) }))
    });
    CMAPS.iter().fold(router, |router, &(path, body)| {
        router.route(
            path,
            get(move || async move {
                serve(&Asset {
                    body,
                    content_type: "application/octet-stream",
                })
            }),
        )
    })
}

fn serve(asset: &Asset) -> Response {
    let mut res = (StatusCode::OK, asset.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    // The files change with the binary, not on their own: revalidating every time costs
    // little and means an upgraded server never runs against a stale script.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The page loads only its own files and talks only to its own origin.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; \
             script-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}
