//! QR options and text from fuzz input: validation and colour parsing on every
//! input; rendering (SVG, small PNG) on one input in 256, picked by a hash of the
//! whole input so mutations cannot pin it: under coverage instrumentation an
//! encode costs milliseconds (tens of µs in release wasm), and rendering every
//! input would keep the campaign from its execution count. The encoder is also
//! checked bit for bit against node-qrcode for every version and level, and by
//! proptest.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::qr::{parse_color, render_png_data_url, render_svg, EcLevel, QrOptions};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let rest = String::from_utf8_lossy(&data[8..]);
    // Colours straight from the input, so malformed CSS hex is explored too.
    let (dark, light) = match rest.split_once('\u{0}') {
        Some((d, l)) => (d.chars().take(12).collect::<String>(), l.chars().take(12).collect::<String>()),
        None => (format!("#{:02x}{:02x}{:02x}", data[5], data[6], data[7]), "#fff".to_owned()),
    };
    for c in [&dark, &light] {
        if let Ok(rgba) = parse_color("c", c) {
            assert!(c.starts_with('#') && matches!(c.len(), 4 | 5 | 7 | 9), "{c:?} → {rgba:?}");
        }
    }
    let o = QrOptions {
        ec_level: [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][usize::from(data[0] % 4)],
        quiet_zone: u32::from(data[1] % 20),
        module_size: u32::from(data[2] % 70),
        width: if data[3] % 2 == 0 { None } else { Some(u32::from(data[4]) * 17) },
        dark,
        light,
        title: if data[7] % 2 == 0 { None } else { Some(rest.to_string()) },
    };
    let valid = o.validate().is_ok();
    let fnv = data.iter().fold(0x811c_9dc5_u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    if fnv % 256 != 0 {
        return;
    }
    let text: String = rest.chars().take(48).collect();
    match render_svg(&text, &o) {
        Ok(svg) => {
            assert!(valid);
            assert_eq!(svg.matches("<path").count(), 1);
            if o.module_size <= 2 && o.width.is_none() {
                assert!(render_png_data_url(&text, &o).is_ok());
            }
        }
        Err(_) => assert!(!valid || text.is_empty()),
    }
});
