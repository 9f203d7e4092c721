//! JSON text → a plain tree, for the objects JS hands in: the buyer's choice, the
//! catalog, an order, a config. Our own reader rather than serde_json's `Value`: the
//! validator entry (what a page loads on the buyer's first edit) then carries no
//! serde code at all, and members stay in the order written, without a map to build.
//! Numbers are classified the way serde_json reads them (`is_u64`, `is_i64`), so the
//! readers in [`crate::request::Input`] accept exactly what they accepted before.

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
/// accepted (money is decimal text), so a fraction or an exponent is just `Float`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    /// 0 up to `u64::MAX`.
    UInt(u64),
    /// Below zero, down to `i64::MIN`.
    NegInt(i64),
    /// Anything else: a fraction, an exponent, `-0`, or beyond 64 bits.
    Float,
}

impl Number {
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Number::UInt(n) => Some(n),
            _ => None,
        }
    }

    /// Its decimal text when it is a whole number (`None` for `Float`).
    pub fn integer_text(self) -> Option<String> {
        match self {
            Number::UInt(n) => Some(n.to_string()),
            Number::NegInt(n) => Some(n.to_string()),
            Number::Float => None,
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
                _ => Number::Float,
            }),
            S::String(s) => Value::String(s.clone()),
            S::Array(items) => Value::Array(items.iter().map(Value::from).collect()),
            S::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.into())).collect()),
        }
    }
}

/// Why a text is not JSON: what was expected, at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub at: usize,
    pub expected: &'static str,
}

impl SyntaxError {
    /// "expected a value at byte 12", for a message that names the argument.
    pub fn describe(&self) -> String {
        let mut s = String::from("not JSON: expected ");
        s.push_str(self.expected);
        s.push_str(" at byte ");
        s.push_str(&self.at.to_string());
        s
    }
}

/// Deeper than this is refused rather than recursed into (serde_json's own limit,
/// 127 levels): no input can exhaust the wasm stack.
const MAX_DEPTH: usize = 127;

/// Reads one JSON value; whitespace around it is allowed, anything else is not.
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut r = Reader {
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
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
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
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
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

    fn number(&mut self) -> Result<Number, SyntaxError> {
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
        let int = &self.b[start..self.i];
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
        if !whole {
            return Ok(Number::Float);
        }
        // Digits only; more than 20 of them cannot fit in 64 bits.
        let magnitude = (int.len() <= 20)
            .then(|| {
                int.iter().try_fold(0u64, |acc, d| {
                    acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                })
            })
            .flatten();
        Ok(match (negative, magnitude) {
            (false, Some(n)) => Number::UInt(n),
            // serde_json reads `-0` as a float, and so does this.
            (true, Some(n)) if n > 0 && n <= 1 << 63 => Number::NegInt((n as i64).wrapping_neg()),
            _ => Number::Float,
        })
    }

    /// At a `"`: the string's content with escapes undone.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while matches!(self.b.get(self.i), Some(&c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            // The run starts after an ASCII byte and stops before one (or at the end).
            out.push_str(
                std::str::from_utf8(&self.b[start..self.i]).map_err(|_| self.fail("UTF-8"))?,
            );
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
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
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.fail("an escape")),
                    };
                    self.i += 1;
                    out.push(c);
                }
                Some(_) => return Err(self.fail("no control character in a string")),
                None => return Err(self.fail("`\"`")),
            }
        }
    }

    /// At the `u` of `\uXXXX`: the character, pairing surrogates; leaves `i` on the last hex digit.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                if self.b.get(self.i + 1..self.i + 3) != Some(b"\\u") {
                    return Err(self.fail("a low surrogate"));
                }
                self.i += 2;
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
        let digits = self
            .b
            .get(self.i + 1..self.i + 5)
            .ok_or_else(|| self.fail("4 hex digits"))?;
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
            (Err(_), Err(_)) => {}
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
        ] {
            agree(text);
        }
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
            let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
            agree(&text.unwrap());
        }

        #[test]
        fn agrees_with_serde_json_on_any_text(text in "[\\[\\]{}\":,0-9eE.+\\- \\\\nultrfasu]{0,24}") {
            agree(&text);
        }

        #[test]
        fn writes_strings_as_serde_json_does(s in any::<String>()) {
            let mut out = String::new();
            write_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_string(&s).unwrap());
        }
    }
}
