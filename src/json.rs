//! JSON for the browser entries, without serde_json: a reader for the objects JS
//! hands in (the buyer's choice, the catalog, an order, a config) as a plain tree;
//! [`members`] for gateway replies, each member kept as the text it was written as;
//! and [`ObjectWriter`] for the answers. The browser entries then carry no serde code
//! at all (`tests/js/size.test.mjs` checks the built wasm); the worker keeps serde for
//! its records. Numbers are classified as serde_json reads them (`is_u64`, `is_i64`),
//! texts are refused where it refuses them and called cut short where it does, and
//! strings are escaped as it escapes them: the property tests below hold each to it.

use crate::error::{cat, decimal, push_decimal, CheckoutError, Code};
use std::borrow::Cow;

/// A JSON value. Objects keep their members as written; a repeated name reads as its
/// last value ([`Value::get`]), as it did in a map.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// A JSON number, as far as anything here reads one: only whole numbers are ever
/// accepted (money is decimal text), so a fraction or an exponent is a `Float`, kept
/// as written until something (an app credential passed on) writes it out again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Number {
    /// 0 up to `u64::MAX`.
    UInt(u64),
    /// Below zero, down to `i64::MIN`.
    NegInt(i64),
    /// Anything else: a fraction, an exponent, `-0`, or beyond 64 bits. serde_json
    /// refuses a literal beyond `f64`'s range outright; `JSON.stringify` never writes one.
    Float(Box<str>),
}

impl Number {
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Number::UInt(n) => Some(*n),
            _ => None,
        }
    }

    /// Its decimal text when it is a whole number (`None` for `Float`).
    pub fn integer_text(&self) -> Option<String> {
        match self {
            Number::UInt(n) => Some(decimal(*n)),
            Number::NegInt(n) => {
                let mut text = String::from("-");
                push_decimal(&mut text, n.unsigned_abs());
                Some(text)
            }
            Number::Float(_) => None,
        }
    }
}

impl Value {
    /// An object's member; `None` for a missing name or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Sets an object's member (replacing every earlier one of that name); no-op on a non-object.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Object(members) = self {
            members.retain(|(k, _)| k != key);
            members.push((key.to_owned(), value));
        }
    }
}

/// From serde_json's tree, for Rust callers (and tests) that build inputs with `json!`.
impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Value {
        use serde_json::Value as S;
        match v {
            S::Null => Value::Null,
            S::Bool(b) => Value::Bool(*b),
            S::Number(n) => Value::Number(match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => Number::UInt(u),
                (None, Some(i)) => Number::NegInt(i),
                _ => Number::Float(n.to_string().into()),
            }),
            S::String(s) => Value::String(s.clone()),
            S::Array(items) => Value::Array(items.iter().map(Value::from).collect()),
            S::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.into())).collect()),
        }
    }
}

impl Value {
    /// As JSON text: members in the order held, numbers as written.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(Number::Float(text)) => out.push_str(text),
            Value::Number(n) => out.push_str(&n.integer_text().unwrap_or_default()),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl Value {
    /// Objects as a map holds them, all the way down: members by name, the last of
    /// a repeated name. What an app credential is kept as, so it is written the same
    /// (as serde_json wrote its own tree) by the page's build and the worker's.
    pub fn canonical(self) -> Value {
        match self {
            Value::Array(items) => {
                // A plain loop: the in-place `map(..).collect()` was 0.14 KB more after gzip.
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    out.push(v.canonical());
                }
                Value::Array(out)
            }
            Value::Object(members) => {
                let mut sorted = Vec::with_capacity(members.len());
                for (k, v) in members {
                    put_sorted(&mut sorted, k, v.canonical());
                }
                Value::Object(sorted)
            }
            v => v,
        }
    }
}

/// A map's insert over a list kept in name order: a repeated name replaces the value
/// it had. Canonical objects and request headers are both such lists.
pub(crate) fn put_sorted<V>(sorted: &mut Vec<(String, V)>, name: String, value: V) {
    match sorted.binary_search_by(|(n, _)| n.as_str().cmp(&name)) {
        Ok(at) => sorted[at].1 = value,
        Err(at) => sorted.insert(at, (name, value)),
    }
}

/// Members in the order held (see [`Value::canonical`]); a fraction as `f64`, as
/// serde_json's own tree held it.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(Number::UInt(n)) => s.serialize_u64(*n),
            Value::Number(Number::NegInt(n)) => s.serialize_i64(*n),
            Value::Number(Number::Float(text)) => s.serialize_f64(text.parse().unwrap_or(f64::NAN)),
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Writes a JSON object member by member into `out`: the page's answers, written
/// by hand so the browser entries carry no serde_json writer.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn new(out: &'a mut String) -> ObjectWriter<'a> {
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    fn name(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_str(self.out, name);
        self.out.push(':');
        self.out
    }

    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        write_str(self.name(name), value);
        self
    }

    /// `null` for `None`.
    pub fn text_or_null(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(name, v),
            None => self.raw(name, "null"),
        }
    }

    /// `null` for `None`.
    pub fn number_or_null(&mut self, name: &str, value: Option<u64>) -> &mut Self {
        match value {
            Some(n) => self.number(name, n),
            None => self.raw(name, "null"),
        }
    }

    /// Left out for `None`.
    pub fn text_if(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    pub fn number(&mut self, name: &str, value: u64) -> &mut Self {
        push_decimal(self.name(name), value);
        self
    }

    pub fn texts(&mut self, name: &str, values: &[String]) -> &mut Self {
        write_texts(self.name(name), values);
        self
    }

    /// `value` is JSON text already.
    pub fn raw(&mut self, name: &str, value: &str) -> &mut Self {
        self.name(name).push_str(value);
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// Why a text is not JSON: what was expected, at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: usize,
    pub expected: &'static str,
}

impl SyntaxError {
    /// The text ended where more was due (cut short), rather than going wrong.
    pub fn is_eof(&self, text: &str) -> bool {
        self.at >= text.len()
    }

    /// "expected a value at byte 12", for a message that names the argument.
    pub fn describe(&self) -> String {
        let mut s = String::from("not JSON: expected ");
        s.push_str(self.expected);
        s.push_str(" at byte ");
        push_decimal(&mut s, self.at as u64);
        s
    }
}

/// An argument handed over as JSON text (`None`: JS could not write it, e.g. a
/// cycle or a BigInt), read into a [`Value`]; every error names the argument.
pub fn argument(text: Option<&str>, what: &str, code: Code) -> crate::Result<Value> {
    let text = text.ok_or_else(|| bad_argument(what, code, "cannot be written as JSON"))?;
    parse(text).map_err(|e| bad_argument(what, code, &e.describe()))
}

/// `catalog: not JSON: …`, with the argument as the field.
pub fn bad_argument(what: &str, code: Code, why: &str) -> CheckoutError {
    CheckoutError::new(
        code,
        cat(&[what, ": ", why]),
        cat(&[what, " 格式错误：", why]),
    )
    .field(what)
}

/// Deeper than this is refused rather than recursed into (serde_json's own limit,
/// 127 levels): no input can exhaust the wasm stack.
const MAX_DEPTH: usize = 127;

/// Reads one JSON value; whitespace around it is allowed, anything else is not.
/// A JSON object's members, each value kept as the text it was written as (checked,
/// not built): how gateway replies and notifications are read, a handful of members
/// of which only some are ever looked at. Names are borrowed unless they had escapes.
pub fn members(text: &str) -> Result<Vec<(Cow<'_, str>, &str)>, SyntaxError> {
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let mut members = Vec::with_capacity(8);
    if !r.eat(b'{') {
        return Err(r.fail("an object"));
    }
    if !r.eat(b'}') {
        loop {
            r.space();
            if r.b.get(r.i) != Some(&b'"') {
                return Err(r.fail("a member name"));
            }
            let name = r.name(text)?;
            if !r.eat(b':') {
                return Err(r.fail("`:`"));
            }
            r.space();
            let start = r.i;
            r.skip(1)?;
            // A value starts and ends at ASCII bytes.
            members.push((name, &text[start..r.i]));
            if r.eat(b'}') {
                break;
            }
            if !r.eat(b',') {
                return Err(r.fail("`,` or `}`"));
            }
        }
    }
    r.space();
    if r.i < r.b.len() {
        return Err(r.fail("the end of the text"));
    }
    Ok(members)
}

pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let v = r.value(0)?;
    r.space();
    if r.i < r.b.len() {
        return Err(r.fail("the end of the text"));
    }
    Ok(v)
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn fail(&self, expected: &'static str) -> SyntaxError {
        SyntaxError {
            at: self.i,
            expected,
        }
    }

    fn space(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        let hit = self.b.get(self.i) == Some(&byte);
        self.i += usize::from(hit);
        hit
    }

    fn word(&mut self, w: &[u8], v: Value) -> Result<Value, SyntaxError> {
        let rest = &self.b[self.i..];
        if rest.starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            // `tru` at the end of the text is cut short, not wrong.
            if w.starts_with(rest) {
                self.i = self.b.len();
            }
            Err(self.fail("a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.space();
        match self.b.get(self.i) {
            Some(b'n') => self.word(b"null", Value::Null),
            Some(b't') => self.word(b"true", Value::Bool(true)),
            Some(b'f') => self.word(b"false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(true).map(Value::Number),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => Err(self.fail("less nesting")),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.fail("`,` or `]`"));
                        }
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        if self.b.get(self.i) != Some(&b'"') {
                            return Err(self.fail("a member name"));
                        }
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.fail("`:`"));
                        }
                        members.push((key, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.fail("`,` or `}`"));
                        }
                    }
                }
                Ok(Value::Object(members))
            }
            _ => Err(self.fail("a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number; with `in_range`, one beyond `f64`'s range is refused as serde_json
    /// refuses it when it builds a value (a skipped one, like a raw member, is not).
    fn number(&mut self, in_range: bool) -> Result<Number, SyntaxError> {
        let negative = self.b[self.i] == b'-';
        self.i += usize::from(negative);
        let start = self.i;
        match self.digits() {
            0 => return Err(self.fail("a digit")),
            n if n > 1 && self.b[start] == b'0' => {
                self.i = start + 1;
                return Err(self.fail("no leading zero"));
            }
            _ => {}
        }
        // ASCII digits: a char boundary on both ends.
        let int = self.text.get(start..self.i).unwrap_or_default();
        let literal = start - usize::from(negative);
        let mut whole = true;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.fail("a digit after `.`"));
            }
            whole = false;
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail("a digit in the exponent"));
            }
            whole = false;
        }
        let float = |r: &Self| {
            // The literal is ASCII digits and signs: a char boundary on both ends.
            Number::Float(r.text.get(literal..r.i).unwrap_or_default().into())
        };
        if in_range && beyond_f64(&self.b[start..self.i]) {
            self.i = literal;
            return Err(self.fail("a number within f64's range"));
        }
        if !whole {
            return Ok(float(self));
        }
        // Digits only (no sign: it was read above); `None` when they do not fit in 64 bits.
        let magnitude = crate::error::parse_decimal(int);
        Ok(match (negative, magnitude) {
            (false, Some(n)) => Number::UInt(n),
            // serde_json reads `-0` as a float, and so does this.
            (true, Some(n)) if n > 0 && n <= 1 << 63 => Number::NegInt((n as i64).wrapping_neg()),
            _ => float(self),
        })
    }

    /// At a `"`: the string's content with escapes undone.
    fn string(&mut self) -> Result<String, SyntaxError> {
        let mut out = String::new();
        self.scan_string(Some(&mut out))?;
        Ok(out)
    }

    /// At a `"`: past the string, checked as [`Reader::string`] checks it; its content
    /// goes to `out` when there is one.
    fn scan_string(&mut self, mut out: Option<&mut String>) -> Result<(), SyntaxError> {
        self.i += 1;
        loop {
            let start = self.i;
            while matches!(self.b.get(self.i), Some(&c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            if let Some(out) = out.as_deref_mut() {
                // The run starts after an ASCII byte and stops before one (or at the end).
                out.push_str(
                    self.text
                        .get(start..self.i)
                        .ok_or_else(|| self.fail("UTF-8"))?,
                );
            }
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.b.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        // A skipped string's `\uXXXX` is not paired up, as serde_json skips it:
                        // whether a lone surrogate is an error depends on what reads it later.
                        Some(b'u') if out.is_none() => self.hex4().map(|_| ' ')?,
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.fail("an escape")),
                    };
                    self.i += 1;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(c);
                    }
                }
                Some(_) => return Err(self.fail("no control character in a string")),
                None => return Err(self.fail("`\"`")),
            }
        }
    }

    /// Past one value, checked as [`Reader::value`] checks it, nothing built.
    fn skip(&mut self, depth: usize) -> Result<(), SyntaxError> {
        self.space();
        match self.b.get(self.i) {
            Some(b'"') => self.scan_string(None),
            Some(b'-' | b'0'..=b'9') => self.number(false).map(drop),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => Err(self.fail("less nesting")),
            Some(&open @ (b'[' | b'{')) => {
                self.i += 1;
                let close = if open == b'[' { b']' } else { b'}' };
                if self.eat(close) {
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.space();
                        if self.b.get(self.i) != Some(&b'"') {
                            return Err(self.fail("a member name"));
                        }
                        self.scan_string(None)?;
                        if !self.eat(b':') {
                            return Err(self.fail("`:`"));
                        }
                    }
                    self.skip(depth + 1)?;
                    if self.eat(close) {
                        return Ok(());
                    }
                    if !self.eat(b',') {
                        return Err(self.fail(if open == b'[' {
                            "`,` or `]`"
                        } else {
                            "`,` or `}`"
                        }));
                    }
                }
            }
            _ => self.value(depth).map(drop),
        }
    }

    /// At a member name: borrowed from the text unless it has escapes to undo.
    fn name<'t>(&mut self, text: &'t str) -> Result<Cow<'t, str>, SyntaxError> {
        let start = self.i + 1;
        let end = start
            + self.b[start..]
                .iter()
                .take_while(|&&c| c != b'"' && c != b'\\' && c >= 0x20)
                .count();
        if self.b.get(end) == Some(&b'"') {
            self.i = end + 1;
            // Both ends sit next to ASCII bytes: char boundaries.
            return Ok(Cow::Borrowed(&text[start..end]));
        }
        self.string().map(Cow::Owned)
    }

    /// At the `u` of `\uXXXX`: the character, pairing surrogates; leaves `i` on the last hex digit.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                for want in [b'\\', b'u'] {
                    self.i += 1;
                    // Past the end, `i` is the text's length: cut short, as serde_json says.
                    if self.b.get(self.i) != Some(&want) {
                        return Err(self.fail("a low surrogate"));
                    }
                }
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(self.fail("a low surrogate"));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.fail("a high surrogate first")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.fail("a character"))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let Some(digits) = self.b.get(self.i + 1..self.i + 5) else {
            self.i = self.b.len();
            return Err(self.fail("4 hex digits"));
        };
        let mut n = 0;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.fail("4 hex digits"))?;
            n = n * 16 + v;
        }
        self.i += 4;
        Ok(n)
    }
}

/// Whether an unsigned number literal (`digits[.digits][e[±]digits]`) is at least
/// 2^1024 − 2^970, the least value that rounds to infinity rather than `f64::MAX`.
/// Decided on the digits, so no float parsing is linked in.
fn beyond_f64(literal: &[u8]) -> bool {
    const LIMIT: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
    let mantissa_end = literal
        .iter()
        .position(|&c| c == b'e' || c == b'E')
        .unwrap_or(literal.len());
    let (mantissa, exponent) = literal.split_at(mantissa_end);
    let int_len = mantissa
        .iter()
        .position(|&c| c == b'.')
        .unwrap_or(mantissa.len());
    let mut exp: i64 = 0;
    for &c in exponent.iter().skip(1) {
        if c.is_ascii_digit() {
            exp = (exp * 10 + i64::from(c - b'0')).min(1 << 40);
        }
    }
    if exponent.get(1) == Some(&b'-') {
        exp = -exp;
    }
    let digits = mantissa.iter().copied().filter(u8::is_ascii_digit);
    let Some(first) = digits.clone().position(|c| c != b'0') else {
        return false; // zero
    };
    // The value is 0.d1d2… × 10^magnitude.
    let magnitude = int_len as i64 - first as i64 + exp;
    match magnitude.cmp(&(LIMIT.len() as i64)) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => {
            // Compare digit by digit; a literal that runs out first is below the limit,
            // one that matches it all is at or above it.
            let mut d = digits.skip(first);
            for &l in LIMIT {
                match d.next() {
                    Some(c) if c == l => continue,
                    Some(c) => return c > l,
                    None => return false,
                }
            }
            true
        }
    }
}

/// A list of texts as a JSON array.
pub fn write_texts<S: AsRef<str>>(out: &mut String, values: &[S]) {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, v.as_ref());
    }
    out.push(']');
}

/// Appends `s` as a JSON string literal, escaped byte for byte as serde_json (and
/// `JSON.stringify`) escape it: quote, backslash and control characters only.
pub fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // Every escaped byte is ASCII, so `start..i` lies on char boundaries.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value as Serde;

    /// The same value as serde_json reads it, by everything the readers ask of a value.
    fn same(ours: &Value, theirs: &Serde) -> bool {
        match (ours, theirs) {
            (Value::Null, Serde::Null) => true,
            (Value::Bool(a), Serde::Bool(b)) => a == b,
            (Value::String(a), Serde::String(b)) => a == b,
            (Value::Number(n), Serde::Number(m)) => {
                n.as_u64() == m.as_u64()
                    && n.integer_text() == (m.is_u64() || m.is_i64()).then(|| m.to_string())
            }
            (Value::Array(a), Serde::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
            }
            (Value::Object(a), Serde::Object(b)) => {
                b.iter()
                    .all(|(k, v)| ours.get(k).is_some_and(|o| same(o, v)))
                    && a.iter().all(|(k, _)| b.contains_key(k))
            }
            _ => false,
        }
    }

    fn agree(text: &str) {
        match (parse(text), serde_json::from_str::<Serde>(text)) {
            (Ok(a), Ok(b)) => assert!(same(&a, &b), "{text:?}: {a:?} vs {b:?}"),
            // Cut short where serde_json says so (a reply's message depends on it).
            (Err(a), Err(b)) => assert_eq!(a.is_eof(text), b.is_eof(), "{text:?}: {a:?} vs {b}"),
            (a, b) => panic!("{text:?}: ours {a:?}, serde_json {b:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        for text in [
            r#"{"sku":"tea","quantity":2,"n":-7,"f":1.5,"e":1e3,"z":-0,"big":18446744073709551615}"#,
            r#"{"over":18446744073709551616,"neg":-9223372036854775808,"under":-9223372036854775809}"#,
            r#" [ true , false , null , "a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00" ] "#,
            r#"{"a":1,"a":2}"#,
            "{}",
            "[]",
            "0",
            "-",
            "01",
            "1.",
            "1e",
            ".5",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{1:2}",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\x\"",
            "\"a\nb\"",
            "\"unterminated",
            "nul",
            "true false",
            "",
            "   ",
            "\u{feff}{}",
            "1e400",
            "-1e400",
            "[1e309]",
            "0e999999",
            "1e-999",
            "1.7976931348623157e308",
            "1.797693134862315808e308",
            "\"\\ud800",
            "\"\\ud800\\",
            "\"\\ud800\\u00",
            "\"\\u12",
            "\"\\u+",
            "tru",
            "[nul",
        ] {
            agree(text);
        }
        // At the very edge of the range serde_json's quick rounding overflows where exact
        // rounding (this reader's rule, and JavaScript's) gives f64::MAX.
        assert!(parse("1.7976931348623158e308").is_ok());
        // 2^1024 − 2^970 is the first literal that rounds to infinity.
        let limit = "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797758720709633028641669288791094655554785194040263065748867150582068190890200070838367627385484581771153176447573027006985557136695962284291481986083493647529271907416844436551070434271155969950809304288017790417449779";
        assert!(parse(&format!("{limit}1")).is_ok() && parse(&format!("{limit}2")).is_err());
        assert_eq!(
            parse(r#"{"b":1,"a":{"y":1,"x":2},"b":3}"#)
                .unwrap()
                .canonical()
                .to_text(),
            r#"{"a":{"x":2,"y":1},"b":3}"#
        );
        assert_eq!(
            parse(r#"{"a":1,"a":2}"#).unwrap().get("a"),
            Some(&Value::Number(Number::UInt(2)))
        );
    }

    #[test]
    fn nesting_is_bounded_not_recursed_without_end() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&deep).is_ok());
        agree(&deep);
        agree(&format!("[{deep}]"));
        let too_deep = "[".repeat(100_000);
        assert_eq!(parse(&too_deep).unwrap_err().expected, "less nesting");
    }

    fn json_value() -> impl Strategy<Value = Serde> {
        let leaf = prop_oneof![
            Just(Serde::Null),
            any::<bool>().prop_map(Serde::Bool),
            any::<u64>().prop_map(Serde::from),
            any::<i64>().prop_map(Serde::from),
            any::<f64>().prop_map(Serde::from),
            ".*".prop_map(Serde::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Serde::Array),
                prop::collection::vec((".{0,6}", inner), 0..6)
                    .prop_map(|m| Serde::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_any_json(v in json_value(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap();
            agree(&text);
            // Written back through serde as serde_json wrote its own tree, and as text that reads the same.
            let ours = parse(&text).unwrap().canonical();
            prop_assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&v).unwrap());
            prop_assert_eq!(parse(&ours.to_text()).unwrap(), ours);
        }

        #[test]
        fn agrees_with_serde_json_on_any_text(text in "[\\[\\]{}\":,0-9eE.+\\- \\\\nultrfasu]{0,24}") {
            agree(&text);
        }

        #[test]
        fn reads_members_as_serde_json_reads_raw_values(
            v in json_value(), tail in "[\\[\\]{}\":,0-9eE.+\\- \\\\nultrfasuD]{0,16}", cut in any::<prop::sample::Index>(),
        ) {
            let object = serde_json::to_string(&serde_json::json!({"a": v, "b": [v], "a2": {"x": v}})).unwrap();
            let mut end = cut.index(object.len() + 1);
            while !object.is_char_boundary(end) {
                end -= 1;
            }
            for text in [object.clone(), format!("{{{tail}"), object[..end].to_owned()] {
                let theirs = serde_json::from_str::<std::collections::BTreeMap<String, Box<serde_json::value::RawValue>>>(&text);
                let ours = members(&text);
                prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", text);
                if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                    for (k, raw) in &theirs {
                        let last = ours.iter().rev().find(|(n, _)| n == k).map(|(_, r)| *r);
                        prop_assert_eq!(last, Some(raw.get()));
                    }
                }
            }
        }

        #[test]
        fn writes_strings_as_serde_json_does(s in any::<String>()) {
            let mut out = String::new();
            write_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_string(&s).unwrap());
        }
    }
}
