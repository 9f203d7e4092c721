//! QR codes for payment links: encode once, render as SVG, PNG or a plain matrix
//! (the canvas renderer lives in the JS layer and draws from the matrix).
//!
//! Encoder and renderers are ours: the page needs one merged SVG path (no
//! hairline seams between modules), and a PNG encoder and QR encoder small and
//! fast enough for the browser budget (see `encoder`).

mod encoder;

use crate::error::{cat, push_decimal, CheckoutError, Code, Result};
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use encoder::Ecc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "core", derive(serde::Serialize, serde::Deserialize))]
pub enum EcLevel {
    L,
    #[default]
    M,
    Q,
    H,
}

/// Rendering options; every field has a default. Sizes are in CSS pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "core", derive(serde::Deserialize))]
#[cfg_attr(
    feature = "core",
    serde(rename_all = "camelCase", default, deny_unknown_fields)
)]
pub struct QrOptions {
    pub ec_level: EcLevel,
    /// Light border in modules; 4 is the QR spec's minimum for reliable scanning.
    pub quiet_zone: u32,
    /// Pixels per module; ignored when `width` is set.
    pub module_size: u32,
    /// Total width (and height) in pixels, quiet zone included.
    pub width: Option<u32>,
    /// CSS hex colours: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`.
    pub dark: String,
    pub light: String,
    /// Accessible name (SVG `<title>` / `aria-label`).
    pub title: Option<String>,
}

impl Default for QrOptions {
    fn default() -> Self {
        QrOptions {
            ec_level: EcLevel::M,
            quiet_zone: 4,
            module_size: 8,
            width: None,
            dark: "#000000".into(),
            light: "#ffffff".into(),
            title: None,
        }
    }
}

pub const MAX_QUIET_ZONE: u32 = 16;
pub const MAX_MODULE_SIZE: u32 = 64;
pub const MAX_WIDTH: u32 = 4096;

fn option_error(field: &str, why: &str, why_zh: &str) -> CheckoutError {
    CheckoutError::new(
        Code::InvalidQrOption,
        cat(&[field, " ", why]),
        cat(&[field, " ", why_zh]),
    )
    .field(field)
}

impl QrOptions {
    pub fn validate(&self) -> Result<()> {
        if self.quiet_zone > MAX_QUIET_ZONE {
            return Err(option_error(
                "quietZone",
                "must be 0 to 16 modules",
                "必须在 0 到 16 之间",
            ));
        }
        if !(1..=MAX_MODULE_SIZE).contains(&self.module_size) {
            return Err(option_error(
                "moduleSize",
                "must be 1 to 64 pixels",
                "必须在 1 到 64 像素之间",
            ));
        }
        if let Some(w) = self.width {
            if !(21..=MAX_WIDTH).contains(&w) {
                return Err(option_error(
                    "width",
                    "must be 21 to 4096 pixels",
                    "必须在 21 到 4096 像素之间",
                ));
            }
        }
        parse_color("dark", &self.dark)?;
        parse_color("light", &self.light)?;
        Ok(())
    }
}

/// An option's value as a JS binding reads it (both binding layers set options
/// through [`QrOptions::set`], so a wrong value gets the same error from each).
#[derive(Debug, Clone, Copy)]
pub enum OptionValue<'a> {
    Text(&'a str),
    Number(f64),
    /// Anything else: a boolean, an object, null.
    Other,
}

impl QrOptions {
    /// Sets one option by its JS name (`ecLevel`, `quietZone`, …); the whole set
    /// is checked by [`QrOptions::validate`] once every option is in.
    pub fn set(&mut self, key: &str, value: OptionValue) -> Result<()> {
        let text = || match value {
            OptionValue::Text(s) => Ok(s),
            _ => Err(option_error(key, "must be text", "必须是字符串")),
        };
        let whole = || match value {
            // Whole and in range: the cast truncates, so only a whole number survives the round trip.
            OptionValue::Number(n) if (n as u32) as f64 == n => Ok(n as u32),
            _ => Err(option_error(key, "must be a whole number", "必须是整数")),
        };
        match key {
            "ecLevel" => {
                self.ec_level = match text()? {
                    "L" => EcLevel::L,
                    "M" => EcLevel::M,
                    "Q" => EcLevel::Q,
                    "H" => EcLevel::H,
                    _ => {
                        return Err(option_error(
                            "ecLevel",
                            "must be L, M, Q or H",
                            "必须是 L、M、Q 或 H",
                        ))
                    }
                }
            }
            "quietZone" => self.quiet_zone = whole()?,
            "moduleSize" => self.module_size = whole()?,
            "width" => self.width = Some(whole()?),
            "dark" => self.dark = text()?.to_owned(),
            "light" => self.light = text()?.to_owned(),
            "title" => self.title = Some(text()?.to_owned()),
            _ => return Err(option_error(key, "is not a QR option", "不是二维码选项")),
        }
        Ok(())
    }

    /// Options given as something other than an object.
    pub fn not_an_object() -> CheckoutError {
        option_error("options", "must be an object", "必须是对象")
    }
}

/// `drawQr` given something that is not a canvas.
pub fn not_a_canvas() -> CheckoutError {
    CheckoutError::new(
        Code::InvalidQrOption,
        "drawQr needs an HTMLCanvasElement or OffscreenCanvas",
        "drawQr 需要 canvas 元素",
    )
    .field("canvas")
}

/// `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa` → RGBA bytes.
pub fn parse_color(field: &str, css: &str) -> Result<[u8; 4]> {
    let bad = || {
        option_error(
            field,
            "must be a CSS hex colour like #1a2b3c",
            "必须是 CSS 十六进制颜色，如 #1a2b3c",
        )
    };
    let hex = css.strip_prefix('#').ok_or_else(bad)?.as_bytes();
    let mut digits = [0u8; 8];
    for (d, &b) in digits.iter_mut().zip(hex) {
        *d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(bad()),
        };
    }
    Ok(match hex.len() {
        3 | 4 => {
            let mut c = [255u8; 4];
            for (slot, d) in c.iter_mut().zip(&digits[..hex.len()]) {
                *slot = d * 17;
            }
            c
        }
        6 | 8 => {
            let mut c = [255u8; 4];
            for (slot, d) in c.iter_mut().zip(digits[..hex.len()].chunks(2)) {
                *slot = d[0] << 4 | d[1];
            }
            c
        }
        _ => return Err(bad()),
    })
}

/// The modules, quiet zone included, row by row: 1 = dark.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "core", derive(serde::Serialize))]
#[cfg_attr(feature = "core", serde(rename_all = "camelCase"))]
pub struct QrMatrix {
    /// Modules per side, quiet zone included.
    pub size: u32,
    pub quiet_zone: u32,
    pub modules: Vec<u8>,
}

impl QrMatrix {
    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        self.modules.get((y * self.size + x) as usize) == Some(&1)
    }

    /// Dark runs of each row as `(row, start, len)`: what both the SVG path and
    /// the canvas draw, so they agree module for module.
    pub fn dark_runs(&self) -> DarkRuns<'_> {
        DarkRuns { m: self, at: 0 }
    }
}

/// The iterator behind [`QrMatrix::dark_runs`]: one scan, no allocation.
pub struct DarkRuns<'a> {
    m: &'a QrMatrix,
    at: usize,
}

impl Iterator for DarkRuns<'_> {
    type Item = (u32, u32, u32);

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.m.size as usize;
        let cells = &self.m.modules;
        while self.at < cells.len() && cells[self.at] != 1 {
            self.at += 1;
        }
        if self.at >= cells.len() {
            return None;
        }
        let start = self.at;
        let row_end = (start / n + 1) * n;
        while self.at < row_end && cells[self.at] == 1 {
            self.at += 1;
        }
        Some((
            (start / n) as u32,
            (start % n) as u32,
            (self.at - start) as u32,
        ))
    }
}

/// Encodes `text` (UTF-8, byte mode when needed) at the chosen error correction.
pub fn encode(text: &str, options: &QrOptions) -> Result<QrMatrix> {
    options.validate()?;
    if text.is_empty() {
        return Err(CheckoutError::new(
            Code::QrEmpty,
            "there is no text to put in the QR code",
            "二维码内容为空",
        )
        .field("text"));
    }
    let ecc = match options.ec_level {
        EcLevel::L => Ecc::L,
        EcLevel::M => Ecc::M,
        EcLevel::Q => Ecc::Q,
        EcLevel::H => Ecc::H,
    };
    let Some((inner, rows)) = encoder::encode(text.as_bytes(), ecc) else {
        // Plain concatenation: `format!` would pull the formatting machinery
        // into the QR-only entry for this one message.
        let level = ["L", "M", "Q", "H"][ecc as usize];
        let mut bytes = String::new();
        push_decimal(&mut bytes, text.len() as u64);
        return Err(CheckoutError::new(
            Code::QrTooLong,
            cat(&[&bytes, " bytes do not fit in any QR code at level ", level]),
            cat(&[
                "内容 ",
                &bytes,
                " 字节，超出二维码在 ",
                level,
                " 纠错级别下的容量",
            ]),
        )
        .field("text"));
    };
    let q = options.quiet_zone as usize;
    let size = inner + 2 * q;
    let mut modules = vec![0u8; size * size];
    for (y, row) in rows.iter().enumerate() {
        let dst = (y + q) * size + q;
        for (x, m) in modules[dst..dst + inner].iter_mut().enumerate() {
            *m = (row[x / 64] >> (x % 64) & 1) as u8;
        }
    }
    let (size, q) = (size as u32, q as u32);
    Ok(QrMatrix {
        size,
        quiet_zone: q,
        modules,
    })
}

/// Whole pixels per module for raster output (PNG, canvas): `moduleSize`, or the
/// smallest size that reaches `width`. The SVG scales exactly to `width` instead.
pub fn module_pixels(matrix: &QrMatrix, options: &QrOptions) -> u32 {
    match options.width {
        Some(w) => w.div_ceil(matrix.size).max(1),
        None => options.module_size,
    }
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// An SVG document: `viewBox` in modules, one merged `<path>` for every dark
/// module, `shape-rendering="crispEdges"`.
pub fn render_svg(text: &str, options: &QrOptions) -> Result<String> {
    let m = encode(text, options)?;
    Ok(svg_of(&m, options))
}

pub fn svg_of(m: &QrMatrix, options: &QrOptions) -> String {
    let px = options.width.unwrap_or(options.module_size * m.size);
    let mut s = String::with_capacity(320 + m.modules.len() * 3);
    s.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#);
    push_decimal(&mut s, m.size.into());
    s.push(' ');
    push_decimal(&mut s, m.size.into());
    s.push_str(r#"" width=""#);
    push_decimal(&mut s, px.into());
    s.push_str(r#"" height=""#);
    push_decimal(&mut s, px.into());
    s.push_str(r#"" shape-rendering="crispEdges" role="img""#);
    if let Some(t) = &options.title {
        s.push_str(r#" aria-label=""#);
        push_escaped(&mut s, t);
        s.push_str(r#""><title>"#);
        push_escaped(&mut s, t);
        s.push_str("</title>");
    } else {
        s.push('>');
    }
    s.push_str(r#"<rect width="100%" height="100%" fill=""#);
    s.push_str(&options.light);
    s.push_str(r#""/><path fill=""#);
    s.push_str(&options.dark);
    s.push_str(r#"" d=""#);
    for (y, x, len) in m.dark_runs() {
        s.push('M');
        push_decimal(&mut s, x.into());
        s.push(' ');
        push_decimal(&mut s, y.into());
        s.push('h');
        push_decimal(&mut s, len.into());
        s.push_str("v1h-");
        push_decimal(&mut s, len.into());
        s.push('z');
    }
    s.push_str(r#""/></svg>"#);
    s
}

/// A `data:image/png;base64,…` URL (8-bit RGBA palette-free truecolour would be
/// larger; a 2-colour palette PNG at 1 bit per pixel keeps it small).
pub fn render_png_data_url(text: &str, options: &QrOptions) -> Result<String> {
    let m = encode(text, options)?;
    let png = png::encode(&m, options)?;
    let mut url = String::from("data:image/png;base64,");
    base64_into(&mut url, &png);
    Ok(url)
}

pub fn png_of(m: &QrMatrix, options: &QrOptions) -> Result<Vec<u8>> {
    png::encode(m, options)
}

fn base64_into(out: &mut String, bytes: &[u8]) {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

mod png {
    //! Just enough PNG: a 1-bit palette image, zlib-wrapped with a fixed-Huffman
    //! deflate whose only matches are runs (distance 1) and repeats of the row
    //! above (PNG "Up" filter turns those into zero runs).
    use super::{module_pixels, parse_color, QrMatrix, QrOptions};
    use crate::error::Result;
    use alloc::vec;
    use alloc::vec::Vec;

    pub fn encode(m: &QrMatrix, options: &QrOptions) -> Result<Vec<u8>> {
        let dark = parse_color("dark", &options.dark)?;
        let light = parse_color("light", &options.light)?;
        let unit = module_pixels(m, options);
        let px = m.size * unit;
        let row_bytes = px.div_ceil(8) as usize;
        let mut raw = Vec::with_capacity((row_bytes + 1) * px as usize);
        let mut row = vec![0u8; row_bytes];
        for my in 0..m.size {
            // One pixel row per module row; the other `unit − 1` rows repeat it,
            // which the PNG "Up" filter turns into zeros.
            row.iter_mut().for_each(|b| *b = 0);
            for mx in 0..m.size {
                if m.is_dark(mx, my) {
                    for x in mx * unit..(mx + 1) * unit {
                        row[(x / 8) as usize] |= 0x80 >> (x % 8); // palette index 1 = dark
                    }
                }
            }
            raw.push(0);
            raw.extend_from_slice(&row);
            for _ in 1..unit {
                raw.push(2);
                raw.resize(raw.len() + row_bytes, 0);
            }
        }
        let mut out = Vec::with_capacity(raw.len() / 4 + 128);
        out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend_from_slice(&px.to_be_bytes());
        ihdr.extend_from_slice(&px.to_be_bytes());
        ihdr.extend_from_slice(&[1, 3, 0, 0, 0]); // 1 bit, palette
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(
            &mut out,
            b"PLTE",
            &[light[0], light[1], light[2], dark[0], dark[1], dark[2]],
        );
        if light[3] != 255 || dark[3] != 255 {
            chunk(&mut out, b"tRNS", &[light[3], dark[3]]);
        }
        chunk(&mut out, b"IDAT", &zlib(&raw));
        chunk(&mut out, b"IEND", &[]);
        Ok(out)
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }

    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most-significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            self.put(code.reverse_bits() >> (32 - len), len);
        }
        fn literal(&mut self, sym: u32) {
            match sym {
                0..=143 => self.code(0x30 + sym, 8),
                144..=255 => self.code(0x190 + sym - 144, 9),
                256..=279 => self.code(sym - 256, 7),
                _ => self.code(0xC0 + sym - 280, 8),
            }
        }
        /// A match of `len` (3..=258) at distance 1.
        fn run(&mut self, len: u32) {
            const BASE: [u32; 29] = [
                3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83,
                99, 115, 131, 163, 195, 227, 258,
            ];
            const EXTRA: [u32; 29] = [
                0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5,
                0,
            ];
            let i = BASE.iter().rposition(|&b| b <= len).unwrap_or(0);
            self.literal(257 + i as u32);
            self.put(len - BASE[i], EXTRA[i]);
            self.code(0, 5); // distance code 0 = distance 1
        }
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut bits = Bits {
            out: vec![0x78, 0x01],
            acc: 0,
            n: 0,
        };
        bits.put(1, 1); // final block
        bits.put(1, 2); // fixed Huffman
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            bits.literal(u32::from(b));
            i += 1;
            let mut run = 0;
            while i + run < data.len() && data[i + run] == b && run < 258 {
                run += 1;
            }
            if run >= 3 {
                bits.run(run as u32);
                i += run;
            }
        }
        bits.literal(256);
        if bits.n > 0 {
            bits.out.push(bits.acc as u8);
        }
        let (mut a, mut b) = (1u32, 0u32);
        // 5552 bytes is the most that cannot overflow before the modulo.
        for block in data.chunks(5552) {
            for &byte in block {
                a += u32::from(byte);
                b += a;
            }
            a %= 65521;
            b %= 65521;
        }
        bits.out.extend_from_slice(&(b << 16 | a).to_be_bytes());
        bits.out
    }

    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(super) fn zlib_for_test(data: &[u8]) -> Vec<u8> {
        zlib(data)
    }

    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(super) fn crc_for_test(data: &[u8]) -> u32 {
        crc32(data)
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LINK: &str = "https://qr.alipay.com/bax04775wixee8ieymjz00d8";

    #[test]
    fn quiet_zone_and_size() {
        let m = encode(LINK, &QrOptions::default()).unwrap();
        // 46 bytes at level M need version 4 (33 modules; 3-M holds 42) + 2×4 quiet.
        assert_eq!((m.size, m.quiet_zone), (41, 4));
        for i in 0..m.size {
            for (x, y) in [
                (i, 0),
                (0, i),
                (i, 3),
                (3, i),
                (i, m.size - 1),
                (m.size - 4, i),
            ] {
                assert!(!m.is_dark(x, y), "quiet zone at {x},{y}");
            }
        }
        // The finder pattern's top-left corner sits right after the quiet zone.
        assert!(m.is_dark(4, 4) && m.is_dark(10, 4) && !m.is_dark(5, 5));
        let none = encode(
            LINK,
            &QrOptions {
                quiet_zone: 0,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(none.size, 33);
    }

    #[test]
    fn svg_is_one_path_with_the_asked_dimensions() {
        let o = QrOptions {
            width: Some(300),
            title: Some("支付 <QR> & \"pay\"".into()),
            ..Default::default()
        };
        let svg = render_svg(LINK, &o).unwrap();
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(
            svg.contains(
                r#"viewBox="0 0 41 41" width="300" height="300" shape-rendering="crispEdges""#
            ),
            "{svg}"
        );
        assert!(svg.contains("<title>支付 &lt;QR&gt; &amp; &quot;pay&quot;</title>"));
        let default = render_svg(LINK, &QrOptions::default()).unwrap();
        assert!(default.contains(r#"width="328""#), "41 modules × 8 px");
    }

    #[test]
    fn typed_errors() {
        assert_eq!(
            encode("", &QrOptions::default()).unwrap_err().code,
            Code::QrEmpty
        );
        let too_long = "汉".repeat(1000); // 3000 bytes > 2953 (version 40-L)
        assert_eq!(
            encode(
                &too_long,
                &QrOptions {
                    ec_level: EcLevel::L,
                    ..Default::default()
                }
            )
            .unwrap_err()
            .code,
            Code::QrTooLong
        );
        assert_eq!(
            encode(
                &"x".repeat(2400),
                &QrOptions {
                    ec_level: EcLevel::H,
                    ..Default::default()
                }
            )
            .unwrap_err()
            .code,
            Code::QrTooLong
        );
        for (o, field) in [
            (
                QrOptions {
                    dark: "black".into(),
                    ..Default::default()
                },
                "dark",
            ),
            (
                QrOptions {
                    light: "#12345".into(),
                    ..Default::default()
                },
                "light",
            ),
            (
                QrOptions {
                    dark: "#ggg".into(),
                    ..Default::default()
                },
                "dark",
            ),
            (
                QrOptions {
                    dark: "#é12".into(),
                    ..Default::default()
                },
                "dark",
            ),
            (
                QrOptions {
                    quiet_zone: 17,
                    ..Default::default()
                },
                "quietZone",
            ),
            (
                QrOptions {
                    module_size: 0,
                    ..Default::default()
                },
                "moduleSize",
            ),
            (
                QrOptions {
                    width: Some(20),
                    ..Default::default()
                },
                "width",
            ),
        ] {
            let e = render_svg(LINK, &o).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                (Code::InvalidQrOption, Some(field))
            );
        }
    }

    #[test]
    fn colours() {
        assert_eq!(parse_color("c", "#fff").unwrap(), [255, 255, 255, 255]);
        assert_eq!(
            parse_color("c", "#1a2B3c").unwrap(),
            [0x1a, 0x2b, 0x3c, 255]
        );
        assert_eq!(
            parse_color("c", "#1a2b3c80").unwrap(),
            [0x1a, 0x2b, 0x3c, 0x80]
        );
        assert_eq!(parse_color("c", "#0008").unwrap(), [0, 0, 0, 0x88]);
    }

    #[test]
    fn png_structure() {
        let o = QrOptions {
            module_size: 4,
            ..Default::default()
        };
        let m = encode(LINK, &o).unwrap();
        let png = png_of(&m, &o).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(
            u32::from_be_bytes([png[16], png[17], png[18], png[19]]),
            41 * 4
        );
        // The standard CRC-32 check value.
        assert_eq!(super::png::crc_for_test(b"123456789"), 0xCBF4_3926);
        let url = render_png_data_url(LINK, &o).unwrap();
        assert!(
            crate::payment::check_image_data_url(&url).is_ok(),
            "our own PNG passes our own image check"
        );
    }

    /// Our deflate, inflated by Python's zlib (an independent implementation).
    #[test]
    fn deflate_inflates_with_python_zlib() {
        let mut data = vec![0u8; 5000];
        data.extend((0..2000u32).map(|i| (i * 7 % 251) as u8));
        data.extend(std::iter::repeat_n(0xFF, 700));
        data.extend_from_slice("支付二维码".as_bytes());
        let z = super::png::zlib_for_test(&data);
        assert!(
            z.len() < data.len() / 2,
            "runs compress: {} → {}",
            data.len(),
            z.len()
        );
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys,zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(&z)?;
                child.wait_with_output()
            })
            .expect("python3 runs");
        assert!(out.status.success());
        assert_eq!(out.stdout, data);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_text_encodes_or_errors_cleanly(text in "\\PC{0,300}", level in 0usize..4) {
            let ec_level = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][level];
            let o = QrOptions { ec_level, ..Default::default() };
            match encode(&text, &o) {
                Ok(m) => prop_assert_eq!(m.modules.len() as u32, m.size * m.size),
                Err(e) => prop_assert!(matches!(e.code, Code::QrEmpty | Code::QrTooLong)),
            }
        }
    }
}
