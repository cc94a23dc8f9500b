//! Page images for the engine, written into a private temporary directory: a scanned PDF
//! page's one embedded image taken out as it is (a DCTDecode stream is a JPEG file; 8-bit
//! grey or RGB pixels become a PNM), any other page rendered by poppler's `pdftoppm`, and
//! uploaded PNG, JPEG and TIFF files. Turning a page upright
//! is here too.

use pdf_extract::{Document, Object, ObjectId};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Width of an A4 page in points: what an image without a page size is scaled to.
pub const A4_WIDTH: f64 = 595.276;

/// Resolution pages are rendered at when their image cannot be taken out directly.
pub const RENDER_DPI: u32 = 300;

/// One page's image on disk, and how many PDF points one of its pixels spans.
#[derive(Clone, Debug)]
pub struct PageImage {
    /// 1-based page number in the document.
    pub page: u32,
    pub path: PathBuf,
    pub points_per_pixel: f64,
}

/// A directory removed with everything in it when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Result<TempDir, String> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "jixiao-ocr-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Width of a page in points from its (possibly inherited) MediaBox; A4 when it has none.
fn page_width(doc: &Document, mut id: ObjectId) -> f64 {
    for _ in 0..32 {
        let Ok(dict) = doc.get_dictionary(id) else {
            break;
        };
        if let Ok(Object::Array(b)) = dict.get(b"MediaBox").and_then(|o| match o {
            Object::Reference(r) => doc.get_object(*r),
            o => Ok(o),
        }) && b.len() == 4
        {
            let n = |o: &Object| o.as_float().map(f64::from).ok();
            if let (Some(x0), Some(x1)) = (n(&b[0]), n(&b[2])) {
                return (x1 - x0).abs();
            }
        }
        match dict.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => id = parent,
            Err(_) => break,
        }
    }
    A4_WIDTH
}

/// The images of the given PDF pages (1-based numbers), each taken out directly where the
/// page is one image, else rendered.
pub fn pdf_pages(
    bytes: &[u8],
    doc: &Document,
    pages: &[u32],
    dir: &Path,
) -> Result<Vec<PageImage>, String> {
    let ids = doc.get_pages();
    let mut out = Vec::new();
    let mut pdf_path: Option<PathBuf> = None;
    for &page in pages {
        let Some(&id) = ids.get(&page) else { continue };
        let width = page_width(doc, id);
        if let Some((path, px)) = embedded(doc, id, page, dir) {
            out.push(PageImage {
                page,
                path,
                points_per_pixel: width / px as f64,
            });
            continue;
        }
        let src = match &pdf_path {
            Some(p) => p.clone(),
            None => {
                let p = dir.join("document.pdf");
                std::fs::write(&p, bytes).map_err(|e| format!("cannot write the PDF: {e}"))?;
                pdf_path = Some(p.clone());
                p
            }
        };
        out.push(PageImage {
            page,
            path: render(&src, page, dir)?,
            points_per_pixel: 72.0 / f64::from(RENDER_DPI),
        });
    }
    Ok(out)
}

/// The page's only image written as a file, with its width in pixels.
fn embedded(doc: &Document, id: ObjectId, page: u32, dir: &Path) -> Option<(PathBuf, i64)> {
    let images = doc.get_page_images(id).ok()?;
    let [image] = images.as_slice() else {
        return None;
    };
    if image.width < 16 || image.height < 16 {
        return None;
    }
    let filters: Vec<&str> = image.filters.iter().flatten().map(String::as_str).collect();
    let path;
    if filters == ["DCTDecode"] {
        path = dir.join(format!("page-{page}.jpg"));
        std::fs::write(&path, image.content).ok()?;
    } else if (filters.is_empty() || filters == ["FlateDecode"])
        && image.bits_per_component == Some(8)
        && image.origin_dict.get(b"DecodeParms").is_err()
    {
        let channels = match image.color_space.as_deref() {
            Some("DeviceGray") => 1,
            Some("DeviceRGB") => 3,
            _ => return None,
        };
        let pixels = if filters.is_empty() {
            image.content.to_vec()
        } else {
            let stream = doc.get_object(image.id).ok()?.as_stream().ok()?;
            stream.decompressed_content().ok()?
        };
        if pixels.len() as i64 != image.width * image.height * channels {
            return None;
        }
        path = dir.join(format!("page-{page}.pnm"));
        let magic = if channels == 1 { "P5" } else { "P6" };
        let mut file = format!("{magic}\n{} {}\n255\n", image.width, image.height).into_bytes();
        file.extend_from_slice(&pixels);
        std::fs::write(&path, file).ok()?;
    } else {
        return None;
    }
    Some((path, image.width))
}

/// Renders one page in grey with `pdftoppm`.
fn render(pdf: &Path, page: u32, dir: &Path) -> Result<PathBuf, String> {
    let prefix = dir.join(format!("render-{page}"));
    let n = page.to_string();
    let out = Command::new("pdftoppm")
        .args([
            "-r",
            &RENDER_DPI.to_string(),
            "-gray",
            "-png",
            "-singlefile",
        ])
        .args(["-f", &n, "-l", &n])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .map_err(|e| {
            format!(
                "this page must be rendered for OCR and pdftoppm could not run ({e}); \
                 install poppler-utils"
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "pdftoppm could not render page {page}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(prefix.with_extension("png"))
}

/// An uploaded PNG, JPEG or TIFF (its first frame) as a page image, converted to grey PNG.
/// Uploads carry no page size, so a pixel spans what makes the image as wide as an A4 page.
pub fn upload(bytes: &[u8], dir: &Path) -> Result<Vec<PageImage>, String> {
    let frame = image::load_from_memory(bytes).map_err(|e| format!("unreadable image: {e}"))?;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let path = dir.join(format!(
        "upload-{}.png",
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    frame
        .to_luma8()
        .save(&path)
        .map_err(|e| format!("cannot write the page image: {e}"))?;
    Ok(vec![PageImage {
        page: 1,
        path,
        points_per_pixel: A4_WIDTH / f64::from(frame.width().max(1)),
    }])
}

/// Writes the page turned `degrees` clockwise (90, 180 or 270) beside the original.
pub fn rotated(image: &PageImage, degrees: u32) -> Result<PageImage, String> {
    let img = image::open(&image.path).map_err(|e| format!("unreadable page image: {e}"))?;
    let turned = match degrees {
        90 => img.rotate90(),
        180 => img.rotate180(),
        270 => img.rotate270(),
        _ => img,
    };
    let path = image
        .path
        .with_file_name(format!("upright-{}.png", image.page));
    turned
        .to_luma8()
        .save(&path)
        .map_err(|e| format!("cannot write the page image: {e}"))?;
    Ok(PageImage {
        path,
        ..image.clone()
    })
}
