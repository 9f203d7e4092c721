//! QR text and options from fuzz input: an SVG/PNG or a typed error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qrcheckout::qr::{render_png_data_url, render_svg, EcLevel, QrOptions};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    // Payment links are short; long texts only slow the fuzzer (the encoder's
    // capacity limits are covered by unit tests).
    let text = String::from_utf8_lossy(&data[8..data.len().min(8 + 160)]);
    let colour = |b: u8| if b % 5 == 0 { format!("#{b:x}") } else { format!("#{:02x}{:02x}{:02x}", b, b / 2, b / 3) };
    let o = QrOptions {
        ec_level: [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][usize::from(data[0] % 4)],
        quiet_zone: u32::from(data[1] % 20),
        module_size: u32::from(data[2] % 70),
        width: if data[3] % 2 == 0 { None } else { Some(u32::from(data[4]) * 17) },
        dark: colour(data[5]),
        light: colour(data[6]),
        title: if data[7] % 2 == 0 { None } else { Some(text.to_string()) },
    };
    if let Ok(svg) = render_svg(&text, &o) {
        assert_eq!(svg.matches("<path").count(), 1);
        // Keep PNG encoding to small images so the fuzzer stays fast.
        if o.module_size <= 2 && o.width.is_none() {
            assert!(render_png_data_url(&text, &o).is_ok());
        }
    }
});
