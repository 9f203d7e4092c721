//! The QR-only entry's binding layer (`qrcheckout/qr`): plain wasm exports over
//! linear memory, read by the hand-written `pkg/qr.js`. wasm-bindgen's export
//! shims and generated glue were a third of this entry's weight (bench/README.md);
//! five functions with string arguments need neither. Same core calls, same
//! options and errors as the wasm-bindgen layer (`js/qr.rs`).
//!
//! Protocol: the glue copies UTF-8 into buffers from [`qr_alloc`], states the
//! options one by one, then calls a `qr_*` function that returns 0 with its
//! result in the output buffer, or 1 with the error there as
//! the texts `code, field, message, messageZh` (see [`texts`]). [`qr_done`]
//! frees everything.

use crate::error::CheckoutError;
use crate::qr::{self, OptionValue, QrOptions};
use crate::slot::{qr_source_of_fields, QrSource};
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};

/// Without the standard library a panic has nothing to print to: it stops the
/// call (a trap, which JS sees as a `RuntimeError`). The inputs are checked
/// first, so no caller's input reaches one (`tests/js/qr-entry.test.mjs`).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// A bump allocator. A call here allocates a handful of buffers and [`qr_done`]
/// frees them all, so once nothing is live the heap starts over; the block freed
/// or grown last is freed or grown in place. A general allocator (Talc,
/// dlmalloc) was 1.5–5 KB of this entry for nothing it needs.
struct Arena {
    /// The first free byte (0: not started, i.e. `__heap_base`).
    next: Cell<usize>,
    live: Cell<usize>,
}

// SAFETY: as for `Slot`, one thread.
unsafe impl Sync for Arena {}

extern "C" {
    /// Where the linker ends data and stack.
    static __heap_base: u8;
}

const PAGE: usize = 65536;

impl Arena {
    fn top(&self) -> usize {
        match self.next.get() {
            // Only the address of the linker's symbol is used.
            0 => core::ptr::addr_of!(__heap_base) as usize,
            n => n,
        }
    }

    /// Moves the top to `end`, growing the memory when it must; false when it cannot.
    fn reach(&self, end: usize) -> bool {
        let have = core::arch::wasm32::memory_size(0) * PAGE;
        if end > have
            && core::arch::wasm32::memory_grow(0, (end - have).div_ceil(PAGE)) == usize::MAX
        {
            return false;
        }
        self.next.set(end);
        true
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let start = (self.top() + layout.align() - 1) & !(layout.align() - 1);
        match start.checked_add(layout.size()) {
            Some(end) if self.reach(end) => {
                self.live.set(self.live.get() + 1);
                start as *mut u8
            }
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let live = self.live.get() - 1;
        self.live.set(live);
        if live == 0 {
            self.next.set(0);
        } else if ptr as usize + layout.size() == self.top() {
            self.next.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A growing string or vector is usually the last block: it grows where it is.
        if ptr as usize + layout.size() == self.top() {
            return match (ptr as usize).checked_add(new_size) {
                Some(end) if self.reach(end) => ptr,
                _ => core::ptr::null_mut(),
            };
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return core::ptr::null_mut();
        };
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Arena = Arena {
    next: Cell::new(0),
    live: Cell::new(0),
};

/// One call's state: the options being stated (or the first error in them),
/// the `show` fields of a payment, and the output.
struct Call {
    options: Result<QrOptions, CheckoutError>,
    show: Vec<(String, String)>,
    out: Vec<u8>,
}

/// The call in progress. The module is single-threaded (no atomics in this
/// build) and no export re-enters another, so one cell without locking is sound.
struct Slot(UnsafeCell<Option<Call>>);
// SAFETY: wasm32 without the atomics feature has exactly one thread.
unsafe impl Sync for Slot {}
static CALL: Slot = Slot(UnsafeCell::new(None));

fn with_call<T>(f: impl FnOnce(&mut Call) -> T) -> T {
    // SAFETY: one thread, and `f` never calls back into an export (see `Slot`).
    let slot = unsafe { &mut *CALL.0.get() };
    f(slot.get_or_insert_with(|| Call {
        options: Ok(QrOptions::default()),
        show: Vec::new(),
        out: Vec::new(),
    }))
}

/// The glue's view of a buffer it filled.
///
/// # Safety
/// `ptr..ptr + len` was returned by `qr_alloc` and holds what the glue wrote.
unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    // The glue writes with TextEncoder: always UTF-8; checked anyway, since a
    // wrong byte must not become undefined behaviour.
    core::str::from_utf8(core::slice::from_raw_parts(ptr, len)).unwrap_or("\u{fffd}")
}

/// `len` bytes for the glue to fill (never null for `len` 0).
#[no_mangle]
pub extern "C" fn qr_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buf.as_mut_ptr();
    core::mem::forget(buf);
    ptr
}

/// # Safety
/// `ptr` and `len` as passed to and returned from one `qr_alloc`.
#[no_mangle]
pub unsafe extern "C" fn qr_free(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len.max(1)));
}

/// Starts a call: `options` 0 = none given (defaults), 1 = an object (its
/// fields follow), 2 = something that is not an object.
#[no_mangle]
pub extern "C" fn qr_begin(options: u32) {
    with_call(|c| {
        c.options = match options {
            2 => Err(QrOptions::not_an_object()),
            _ => Ok(QrOptions::default()),
        };
        c.show.clear();
        c.out.clear();
    });
}

/// One option: `kind` 0 = text (`value`), 1 = a number (`number`), 2 = anything else.
///
/// # Safety
/// Both buffers as filled by the glue.
#[no_mangle]
pub unsafe extern "C" fn qr_option(
    key: *const u8,
    key_len: usize,
    kind: u32,
    value: *const u8,
    value_len: usize,
    number: f64,
) {
    let (key, value) = (text(key, key_len), text(value, value_len));
    let value = match kind {
        0 => OptionValue::Text(value),
        1 => OptionValue::Number(number),
        _ => OptionValue::Other,
    };
    with_call(|c| {
        if let Ok(o) = &mut c.options {
            if let Err(e) = o.set(key, value) {
                c.options = Err(e);
            }
        }
    });
}

/// One text field of `payment.show` (the glue sends only fields that are strings).
///
/// # Safety
/// Both buffers as filled by the glue.
#[no_mangle]
pub unsafe extern "C" fn qr_show_field(
    key: *const u8,
    key_len: usize,
    value: *const u8,
    len: usize,
) {
    let pair = (text(key, key_len).to_owned(), text(value, len).to_owned());
    with_call(|c| c.show.push(pair));
}

/// Writes a result or an error into the output; 0 = result, 1 = error.
fn finish(c: &mut Call, result: Result<Vec<u8>, CheckoutError>) -> u32 {
    match result {
        Ok(bytes) => {
            c.out = bytes;
            0
        }
        Err(e) => {
            let field = e.field.as_deref().unwrap_or("");
            c.out = texts(&[e.code.as_str(), field, &e.message, &e.message_zh]);
            1
        }
    }
}

/// Renders `text`: `what` 0 = SVG document, 1 = PNG data URL, 2 = matrix
/// (`size`, `quietZone` as two little-endian u32, then one byte per module),
/// 3 = what `drawQr` paints (see [`draw_plan`]).
///
/// # Safety
/// The buffer as filled by the glue.
#[no_mangle]
pub unsafe extern "C" fn qr_render(what: u32, ptr: *const u8, len: usize) -> u32 {
    let text = text(ptr, len);
    with_call(|c| {
        // Each path starts with `qr::encode`, which checks the options first.
        let result = c
            .options
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|o| match what {
                0 => qr::render_svg(text, o).map(String::into_bytes),
                1 => qr::render_png_data_url(text, o).map(String::into_bytes),
                2 => qr::encode(text, o).map(|m| {
                    let mut out = words(&[m.size, m.quiet_zone]);
                    out.extend_from_slice(&m.modules);
                    out
                }),
                _ => qr::encode(text, o).map(|m| draw_plan(&m, o)),
            });
        finish(c, result)
    })
}

/// `drawQr`'s paint, decided here so the canvas matches the SVG module for module:
/// u32 words `px, unit, runs`, then `row, column, length` per dark run, then the
/// texts `dark, light`.
fn draw_plan(m: &qr::QrMatrix, o: &QrOptions) -> Vec<u8> {
    let unit = qr::module_pixels(m, o);
    let runs: Vec<(u32, u32, u32)> = m.dark_runs().collect();
    let mut out = words(&[m.size * unit, unit, runs.len() as u32]);
    for (y, x, n) in runs {
        out.extend(words(&[y, x, n]));
    }
    out.extend(texts(&[&o.dark, &o.light]));
    out
}

/// Texts as their byte lengths (u32 each), then their bytes: any text may hold
/// any character (an option's name is the caller's), so no separator would do.
fn texts(parts: &[&str]) -> Vec<u8> {
    let mut out = words(&parts.iter().map(|p| p.len() as u32).collect::<Vec<_>>());
    for p in parts {
        out.extend_from_slice(p.as_bytes());
    }
    out
}

fn words(ws: &[u32]) -> Vec<u8> {
    // A plain loop: the iterator chain's collect costs 0.5 KB of wasm here.
    let mut out = Vec::with_capacity(4 * ws.len());
    for w in ws {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// `paymentQrSource` over the fields given by [`qr_show_field`]: the output is the
/// texts `"text" | "image", value`.
#[no_mangle]
pub extern "C" fn qr_source() -> u32 {
    with_call(|c| {
        let field = |k: &str| c.show.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let result = qr_source_of_fields(field).map(|s| {
            let (kind, value) = match s {
                QrSource::Text(v) => ("text", v),
                QrSource::Image(v) => ("image", v),
            };
            texts(&[kind, &value])
        });
        finish(c, result)
    })
}

/// `drawQr` was given something that is not a canvas: the error, in the output.
#[no_mangle]
pub extern "C" fn qr_not_canvas() -> u32 {
    with_call(|c| finish(c, Err(qr::not_a_canvas())))
}

#[no_mangle]
pub extern "C" fn qr_out_ptr() -> *const u8 {
    with_call(|c| c.out.as_ptr())
}

#[no_mangle]
pub extern "C" fn qr_out_len() -> usize {
    with_call(|c| c.out.len())
}

/// Ends a call: the output and options are freed.
#[no_mangle]
pub extern "C" fn qr_done() {
    // SAFETY: as in `with_call`.
    unsafe { *CALL.0.get() = None };
}
