//! The browser entries' binding layer: plain wasm exports over linear memory, read
//! by the hand-written glue (`pkg/wasm.js`, and `pkg/qr.js`, `pkg/validator.js`,
//! `pkg/browser.js` over it). wasm-bindgen's export shims and generated glue were a
//! third of the QR entry and a tenth of the full one (bench/README.md); functions
//! that take texts and give back a text need neither. Same core calls, same
//! arguments, answers and errors as the wasm-bindgen layer the worker keeps (`js/`).
//!
//! Protocol: the glue copies UTF-8 into buffers from [`qc_alloc`] (values as JSON
//! text, a null pointer for one JS could not write), states QR options one by one,
//! then calls an export that returns 0 with its result in the output buffer, or 1
//! with the error there as the texts `code, field, message, messageZh, gatewayCode`
//! (see [`texts`]). The glue gives its buffers back with [`qc_free`]; [`qc_done`]
//! frees the rest.

use crate::error::CheckoutError;
#[cfg(feature = "qr")]
use crate::qr::{self, OptionValue, QrOptions};
#[cfg(feature = "qr")]
use crate::slot::{qr_source_of_fields, QrSource};
#[cfg(feature = "qr")]
use alloc::borrow::ToOwned;
#[cfg(feature = "qr")]
use alloc::string::String;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};

/// Without the standard library (the QR entry) a panic has nothing to print to: it
/// stops the call (a trap, which JS sees as a `RuntimeError`); the other entries'
/// std is built to do the same. The inputs are checked first, so no caller's input
/// reaches one (`tests/js/qr-entry.test.mjs`, `tests/js/browser-entry.test.mjs`).
#[cfg(not(feature = "core"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// A bump allocator. Nothing outlives a call, so [`qc_done`] starts the heap over;
/// within a call the block freed or grown last is freed or grown in place. A
/// general allocator was 1.5–5 KB of each entry (Talc, dlmalloc) for nothing a
/// call needs; a browser-entry test makes ten thousand calls and holds the memory
/// to what one needs. Starting over at the end of every call (rather than when a
/// count of live blocks reaches zero) also holds after a trap, which leaves the
/// trapped call's blocks unfreed: the next calls do not leak (`qr-entry.test.mjs`).
struct Arena {
    /// The first free byte (0: not started, i.e. `__heap_base`).
    next: Cell<usize>,
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
            Some(end) if self.reach(end) => start as *mut u8,
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize + layout.size() == self.top() {
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
static ALLOCATOR: Arena = Arena { next: Cell::new(0) };

/// One call's state: the options being stated (or the first error in them),
/// the `show` fields of a payment, and the output.
#[derive(Default)]
struct Call {
    #[cfg(feature = "qr")]
    options: Option<Result<QrOptions, CheckoutError>>,
    #[cfg(feature = "qr")]
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
    f(slot.get_or_insert_with(Call::default))
}

/// The glue's view of a buffer it filled.
///
/// # Safety
/// `ptr..ptr + len` was returned by `qc_alloc` and holds what the glue wrote.
unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    // The glue writes with TextEncoder: always UTF-8; checked anyway, since a
    // wrong byte must not become undefined behaviour.
    core::str::from_utf8(core::slice::from_raw_parts(ptr, len)).unwrap_or("\u{fffd}")
}

/// `len` bytes for the glue to fill (never null, even for `len` 0).
#[no_mangle]
pub extern "C" fn qc_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buf.as_mut_ptr();
    core::mem::forget(buf);
    ptr
}

/// # Safety
/// `ptr` and `len` as passed to and returned from one `qc_alloc`.
#[no_mangle]
pub unsafe extern "C" fn qc_free(ptr: *mut u8, len: usize) {
    drop(Vec::from_raw_parts(ptr, 0, len.max(1)));
}

/// Starts a QR call: `options` 0 = none given (defaults), 1 = an object (its
/// fields follow), 2 = something that is not an object.
#[cfg(feature = "qr")]
#[no_mangle]
pub extern "C" fn qc_begin(options: u32) {
    with_call(|c| {
        c.options = Some(match options {
            2 => Err(QrOptions::not_an_object()),
            _ => Ok(QrOptions::default()),
        });
    });
}

/// One option: `kind` 0 = text (`value`), 1 = a number (`number`), 2 = anything else.
///
/// # Safety
/// Both buffers as filled by the glue.
#[cfg(feature = "qr")]
#[no_mangle]
pub unsafe extern "C" fn qc_option(
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
        if let Some(Ok(o)) = &mut c.options {
            if let Err(e) = o.set(key, value) {
                c.options = Some(Err(e));
            }
        }
    });
}

/// One text field of `payment.show` (the glue sends only fields that are strings).
///
/// # Safety
/// Both buffers as filled by the glue.
#[cfg(feature = "qr")]
#[no_mangle]
pub unsafe extern "C" fn qc_show_field(
    key: *const u8,
    key_len: usize,
    value: *const u8,
    len: usize,
) {
    let pair = (text(key, key_len).to_owned(), text(value, len).to_owned());
    with_call(|c| c.show.push(pair));
}

/// Writes a result or an error into the output; 0 = result, 1 = error.
fn finish(result: Result<Vec<u8>, CheckoutError>) -> u32 {
    let (out, failed) = match result {
        Ok(bytes) => (bytes, 0),
        Err(e) => {
            let texts = texts(&[
                Some(e.code.as_str()),
                e.field.as_deref(),
                Some(&e.message),
                Some(&e.message_zh),
                e.gateway_code.as_deref(),
            ]);
            (texts, 1)
        }
    };
    with_call(|c| c.out = out);
    failed
}

/// Renders `text`: `what` 0 = SVG document, 1 = PNG data URL, 2 = matrix
/// (`size`, `quietZone` as two little-endian u32, then one byte per module),
/// 3 = what `drawQr` paints (see [`draw_plan`]).
///
/// # Safety
/// The buffer as filled by the glue, after a [`qc_begin`].
#[cfg(feature = "qr")]
#[no_mangle]
pub unsafe extern "C" fn qc_render(what: u32, ptr: *const u8, len: usize) -> u32 {
    let text = text(ptr, len);
    let options = with_call(|c| c.options.take()).unwrap_or_else(|| Ok(QrOptions::default()));
    // Each path starts with `qr::encode`, which checks the options first.
    finish(options.and_then(|o| match what {
        0 => qr::render_svg(text, &o).map(String::into_bytes),
        1 => qr::render_png_data_url(text, &o).map(String::into_bytes),
        2 => qr::encode(text, &o).map(|m| {
            let mut out = words(&[m.size, m.quiet_zone]);
            out.extend_from_slice(&m.modules);
            out
        }),
        _ => qr::encode(text, &o).map(|m| draw_plan(&m, &o)),
    }))
}

/// `drawQr`'s paint, decided here so the canvas matches the SVG module for module:
/// u32 words `px, unit, runs`, then `row, column, length` per dark run, then the
/// texts `dark, light`.
#[cfg(feature = "qr")]
fn draw_plan(m: &qr::QrMatrix, o: &QrOptions) -> Vec<u8> {
    let unit = qr::module_pixels(m, o);
    let runs: Vec<(u32, u32, u32)> = m.dark_runs().collect();
    let mut out = words(&[m.size * unit, unit, runs.len() as u32]);
    for (y, x, n) in runs {
        out.extend(words(&[y, x, n]));
    }
    out.extend(texts(&[Some(&o.dark), Some(&o.light)]));
    out
}

/// Texts as their byte lengths (u32 each; `u32::MAX` for none, which reads as
/// null), then their bytes: any text may hold any character (an option's name is
/// the caller's), so no separator would do.
fn texts(parts: &[Option<&str>]) -> Vec<u8> {
    let mut lengths = Vec::with_capacity(parts.len());
    for p in parts {
        lengths.push(p.map_or(u32::MAX, |p| p.len() as u32));
    }
    let mut out = words(&lengths);
    for p in parts.iter().flatten() {
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

/// `paymentQrSource` over the fields given by [`qc_show_field`]: the output is the
/// texts `"text" | "image", value`.
#[cfg(feature = "qr")]
#[no_mangle]
pub extern "C" fn qc_source() -> u32 {
    let show = with_call(|c| core::mem::take(&mut c.show));
    let field = |k: &str| show.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    finish(qr_source_of_fields(field).map(|s| {
        let (kind, value) = match s {
            QrSource::Text(v) => ("text", v),
            QrSource::Image(v) => ("image", v),
        };
        texts(&[Some(kind), Some(&value)])
    }))
}

/// `drawQr` was given something that is not a canvas: the error, in the output.
#[cfg(feature = "qr")]
#[no_mangle]
pub extern "C" fn qc_not_canvas() -> u32 {
    finish(Err(qr::not_a_canvas()))
}

#[no_mangle]
pub extern "C" fn qc_out_ptr() -> *const u8 {
    with_call(|c| c.out.as_ptr())
}

#[no_mangle]
pub extern "C" fn qc_out_len() -> usize {
    with_call(|c| c.out.len())
}

/// Ends a call: the output, whatever was stated for it and the glue's buffers
/// (given back first) are freed, and the heap starts over.
#[no_mangle]
pub extern "C" fn qc_done() {
    // SAFETY: as in `with_call`. Between calls nothing is live: no block survives the reset.
    unsafe { *CALL.0.get() = None };
    ALLOCATOR.next.set(0);
}

#[cfg(feature = "validator")]
pub use checkout::*;

/// The checkout exports: each argument is JSON text (a null pointer where JS could
/// not write the value), `now` is `Date.now()`, and the answer is JSON text.
#[cfg(feature = "validator")]
mod checkout {
    use super::{finish, text};
    use crate::catalog::{self, Choice};
    use crate::error::Code;
    use crate::json::{self, Value};
    use crate::Result;
    #[cfg(feature = "checkout")]
    use crate::{gateway, payment::Gateway};

    /// # Safety
    /// A null pointer, or a buffer as filled by the glue.
    unsafe fn argument(ptr: *const u8, len: usize, what: &str) -> Result<Value> {
        json::argument(
            (!ptr.is_null()).then(|| text(ptr, len)),
            what,
            Code::InvalidField,
        )
    }

    fn answer(result: Result<String>) -> u32 {
        finish(result.map(String::into_bytes))
    }

    /// `validateChoice(catalog, choice)` → the quote.
    ///
    /// # Safety
    /// Arguments as described in the module.
    #[no_mangle]
    pub unsafe extern "C" fn qc_validate_choice(
        products: *const u8,
        products_len: usize,
        choice: *const u8,
        choice_len: usize,
        now: f64,
    ) -> u32 {
        answer((|| {
            let products = catalog::read_products(&argument(products, products_len, "catalog")?)?;
            let choice = Choice::read(&argument(choice, choice_len, "choice")?)?;
            Ok(catalog::preview(&products, &choice, now as u64)?.to_json())
        })())
    }

    /// # Safety
    /// A buffer as filled by the glue.
    #[cfg(feature = "checkout")]
    unsafe fn gateway_named(ptr: *const u8, len: usize) -> Result<Gateway> {
        text(ptr, len).parse::<Gateway>()
    }

    /// `validateOrder(gateway, order)` → the order, normalised.
    ///
    /// # Safety
    /// Arguments as described in the module.
    #[cfg(feature = "checkout")]
    #[no_mangle]
    pub unsafe extern "C" fn qc_validate_order(
        name: *const u8,
        name_len: usize,
        order: *const u8,
        order_len: usize,
        now: f64,
    ) -> u32 {
        answer((|| {
            let order = argument(order, order_len, "order")?;
            gateway::module(gateway_named(name, name_len)?).validate_value(&order, now as u64)
        })())
    }

    /// `buildOrder(gateway, order, config)` → the unsigned request.
    ///
    /// # Safety
    /// Arguments as described in the module.
    #[cfg(feature = "checkout")]
    #[no_mangle]
    pub unsafe extern "C" fn qc_build_order(
        name: *const u8,
        name_len: usize,
        order: *const u8,
        order_len: usize,
        config: *const u8,
        config_len: usize,
        now: f64,
    ) -> u32 {
        answer((|| {
            let order = argument(order, order_len, "order")?;
            let config = argument(config, config_len, "config")?;
            let module = gateway::module(gateway_named(name, name_len)?);
            Ok(module.build_value(&order, &config, now as u64)?.to_json())
        })())
    }

    /// `requiredFields(gateway, payType)` → an array of field names.
    ///
    /// # Safety
    /// Both buffers as filled by the glue.
    #[cfg(feature = "checkout")]
    #[no_mangle]
    pub unsafe extern "C" fn qc_required_fields(
        name: *const u8,
        name_len: usize,
        pay_type: *const u8,
        pay_type_len: usize,
    ) -> u32 {
        answer(gateway_named(name, name_len).map(|g| {
            let mut out = String::new();
            json::write_texts(
                &mut out,
                gateway::module(g).required_fields(text(pay_type, pay_type_len)),
            );
            out
        }))
    }

    /// `parseResponse(gateway, httpStatus, bodyText)` → the `Payment`.
    ///
    /// # Safety
    /// Both buffers as filled by the glue.
    #[cfg(feature = "checkout")]
    #[no_mangle]
    pub unsafe extern "C" fn qc_parse_response(
        name: *const u8,
        name_len: usize,
        status: u32,
        body: *const u8,
        body_len: usize,
    ) -> u32 {
        answer(gateway_named(name, name_len).and_then(|g| {
            // A status is a u16 wherever it comes from; wasm-bindgen's glue wrapped it the same way.
            Ok(gateway::parse_response(g, status as u16, text(body, body_len))?.to_json())
        }))
    }
}
