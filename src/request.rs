//! What the core hands to whoever does the network: an HTTP request described
//! as data, plus the wire encodings (form-urlencoded) the gateways use, and the
//! liberal reading of the plain-object inputs that come from JS or JSON.

use crate::error::{cat, decimal, CheckoutError, Result};
use crate::json::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An order ready to send except for its signature.
///
/// `signing_input` is the exact text the gateway's rule hashes, without the
/// secret: gatepay.io's concatenation, 易码付's sorted `k=v&…` string, and for
/// GatePay v1 the body (the signed payload is `timestamp\nnonce\nbody\n`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsignedRequest {
    pub method: String,
    pub url: String,
    pub headers: Headers,
    pub body: String,
    pub signing_input: String,
}

impl UnsignedRequest {
    /// As JSON text, as serde writes the struct, written by hand for the browser entry.
    pub fn to_json(&self) -> String {
        let mut headers = String::new();
        let mut h = crate::json::ObjectWriter::new(&mut headers);
        for (name, value) in self.headers.iter() {
            h.text(name, value);
        }
        h.end();
        let mut out = String::with_capacity(headers.len() + 2 * self.body.len() + 64);
        crate::json::ObjectWriter::new(&mut out)
            .text("method", &self.method)
            .text("url", &self.url)
            .raw("headers", &headers)
            .text("body", &self.body)
            .text("signingInput", &self.signing_input)
            .end();
        out
    }
}

/// Request headers by name, in name order, a later value replacing an earlier one:
/// a map's semantics over a short sorted list. A request has two to five headers,
/// and `BTreeMap`'s code was most of what they cost the browser build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new(pairs: &[(&str, &str)]) -> Headers {
        let mut h = Headers::default();
        for (name, value) in pairs {
            h.insert(name, value);
        }
        h
    }

    pub fn insert(&mut self, name: &str, value: &str) {
        crate::json::put_sorted(&mut self.0, name.to_owned(), value.to_owned());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|at| self.0[at].1.as_str())
    }

    /// In name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Written as the map it stands for.
impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Read from the map it stands for (`signRequest` takes an unsigned request from JS).
impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Headers, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        Ok(Headers(map.into_iter().collect()))
    }
}

pub const FORM: &str = "application/x-www-form-urlencoded; charset=UTF-8";
pub const JSON: &str = "application/json";

/// `application/x-www-form-urlencoded` with UTF-8, as browsers send forms.
pub fn form_encode<V: AsRef<str>>(pairs: &[(&str, V)]) -> String {
    // Most of a form is unreserved text: room for all of it plus a few escapes.
    let len: usize = pairs
        .iter()
        .map(|(k, v)| k.len() + v.as_ref().len() + 2)
        .sum();
    let mut out = String::with_capacity(len + len / 2);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(&mut out, k);
        out.push('=');
        percent_encode_into(&mut out, v.as_ref());
    }
    out
}

fn percent_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A run of unreserved bytes is copied as one slice: it starts and ends at
        // ASCII bytes (or the end), which are always char boundaries.
        let run = bytes[i..].iter().take_while(|&&b| unreserved(b)).count();
        if run > 0 {
            out.push_str(&s[i..i + run]);
            i += run;
        }
        if let Some(&b) = bytes.get(i) {
            if b == b' ' {
                out.push('+');
            } else {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
            i += 1;
        }
    }
}

/// Decodes one form component: `+` is a space, `%XX` a byte; the result must be UTF-8.
/// Returns `None` for a broken escape or invalid UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Copy the run up to the next escape in one step (a notification is mostly plain).
        let run = bytes[i..]
            .iter()
            .position(|&b| b == b'+' || b == b'%')
            .unwrap_or(bytes.len() - i);
        out.extend_from_slice(&bytes[i..i + run]);
        i += run;
        match bytes.get(i) {
            Some(b'+') => out.push(b' '),
            Some(_) => {
                let hi = hex_val(*bytes.get(i + 1)?)?;
                let lo = hex_val(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            None => break,
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits `a=1&b=2` into decoded pairs, keeping their order. Empty segments are skipped.
pub fn form_decode(s: &str) -> Option<Vec<(String, String)>> {
    // Plain loops here and in `texts`: collecting into an `Option`/`Result` is
    // several times the wasm of the loop.
    let mut pairs = Vec::new();
    for seg in s.split('&').filter(|seg| !seg.is_empty()) {
        let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
        pairs.push((percent_decode(k)?, percent_decode(v)?));
    }
    Some(pairs)
}

/// Parameters of a callback body: a form (the usual case) or a flat JSON object
/// (some integrators send one). `None` when it is neither.
pub fn body_params(body: &str) -> Option<Vec<(String, String)>> {
    let trimmed = body.trim();
    if trimmed.starts_with('{') {
        let map = match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return None,
        };
        return Some(
            map.into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some((k, s)),
                    serde_json::Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect(),
        );
    }
    form_decode(trimmed)
}

/// Received name/value pairs (a callback's form or query), read by name.
/// An empty value counts as absent, as the gateways' signing rules treat it.
pub struct Params<'a>(pub &'a [(String, String)]);

impl<'a> Params<'a> {
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every pair as received, as a JSON object (a notification's `raw`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    }

    /// A field the notification cannot do without.
    pub fn need(&self, name: &str) -> Result<String> {
        self.get(name)
            .map(str::to_owned)
            .ok_or_else(|| CheckoutError::malformed_notification(&["`", name, "` is missing"]))
    }
}

/// Lowercase hex, used for digests and for the wire.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// Hex (either case) → bytes; `None` for an odd length or a non-hex digit.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| Some(hex_val(pair[0])? << 4 | hex_val(pair[1])?))
        .collect()
}

/// Checks an absolute http(s) URL without pulling in a URL parser: scheme,
/// a non-empty host, no whitespace or control characters.
pub fn check_http_url(field: &str, url: &str, max_len: usize) -> Result<()> {
    if url.len() > max_len {
        return Err(CheckoutError::invalid(
            field,
            &cat(&["must be at most ", &decimal(max_len as u64), " characters"]),
            &cat(&["长度不能超过 ", &decimal(max_len as u64), " 个字符"]),
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = matches!(host, Some(h) if !h.is_empty() && !h.starts_with(':'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(CheckoutError::invalid(
            field,
            "must be an absolute http(s) URL",
            "必须是完整的 http(s) 网址",
        ));
    }
    Ok(())
}

/// The origin of an absolute http(s) URL, normalised: `scheme://host[:port]`,
/// lowercase, default port dropped. `None` for anything a browser might read
/// differently from us (userinfo, backslashes, whitespace or control characters,
/// an empty host), so such a URL can never pass an allowlist.
pub fn origin_of(url: &str) -> Option<String> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 literal's own colons sit inside brackets.
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (authority.as_str(), None),
    };
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:_".contains(&b));
    if !valid_host || port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(match port {
        Some(p) if p != default_port => cat(&[&scheme, "://", host, ":", p]),
        _ => cat(&[&scheme, "://", host]),
    })
}

/// Joins a configured base URL and an endpoint path, tolerating a trailing slash.
pub fn endpoint(base_url: &str, path: &str) -> Result<String> {
    check_http_url("baseUrl", base_url, 2048)?;
    Ok(cat(&[base_url.trim_end_matches('/'), path]))
}

/// A record's fields read one after another with their first error kept, to be returned
/// once all are read ([`Fields::done`]): the error `?` would have returned, because no field
/// read after the first failure is allowed a `?` of its own before `done`. A `?` per field of
/// a struct being built gave each a clean-up path dropping every field read before it, most
/// of GatePay's order reader (0.5 KB gzip of the full entry).
#[derive(Default)]
pub struct Fields(Option<CheckoutError>);

impl Fields {
    /// `r`'s value, or a stand-in (`T::default()`) with its error kept if it is the first.
    pub fn take<T: Default>(&mut self, r: Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.0.get_or_insert(e);
            T::default()
        })
    }

    /// The first error kept, if any.
    pub fn done(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// A plain object handed in by JS (or JSON), read field by field with typed errors.
/// Strings and integers are accepted in either JSON form, since HTML forms give text.
pub struct Input<'a> {
    obj: &'a Value,
}

impl<'a> Input<'a> {
    pub fn new(value: &'a Value, what: &str) -> Result<Input<'a>> {
        match value {
            Value::Object(_) => Ok(Input { obj: value }),
            _ => Err(CheckoutError::invalid(
                what,
                "must be an object",
                "必须是对象",
            )),
        }
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    /// A text field; numbers are taken as their decimal text. Absent or null → `None`.
    pub fn text(&self, key: &str) -> Result<Option<String>> {
        let text = match self.present(key) {
            None => return Ok(None),
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => n.integer_text(),
            Some(_) => None,
        };
        text.map(Some)
            .ok_or_else(|| CheckoutError::invalid(key, "must be text", "必须是字符串"))
    }

    /// A text field that must be present and non-empty.
    pub fn required_text(&self, key: &str) -> Result<String> {
        match self.text(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(CheckoutError::missing(key)),
        }
    }

    /// A non-negative integer given as a JSON integer or as digits.
    /// `Err(())` means present but not such an integer; the caller picks the error.
    #[allow(clippy::result_unit_err)]
    pub fn integer(&self, key: &str) -> std::result::Result<Option<u64>, ()> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or(()),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) if s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 19 => {
                crate::error::parse_decimal(s).map(Some).ok_or(())
            }
            Some(_) => Err(()),
        }
    }

    /// A list field's items, whatever they are.
    pub fn list(&self, key: &str) -> Result<Option<&'a [Value]>> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(CheckoutError::invalid(key, "must be a list", "必须是数组")),
        }
    }

    /// Every member as written (a repeated name more than once).
    pub fn members(&self) -> &'a [(String, Value)] {
        match self.obj {
            Value::Object(members) => members,
            _ => &[],
        }
    }

    pub fn object(&self, key: &str) -> Result<Option<Input<'a>>> {
        self.present(key).map(|v| Input::new(v, key)).transpose()
    }

    pub fn list_of_text(&self, key: &str) -> Result<Option<Vec<String>>> {
        self.present(key).map(|v| texts(key, v)).transpose()
    }
}

/// A list of strings, or `invalid_field` naming `key`.
pub fn texts(key: &str, v: &Value) -> Result<Vec<String>> {
    let bad = || CheckoutError::invalid(key, "must be a list of text", "必须是字符串数组");
    let Value::Array(items) = v else {
        return Err(bad());
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(item.as_str().ok_or_else(bad)?.to_owned());
    }
    Ok(out)
}

/// Length in characters (not bytes): the specs count characters.
pub fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n < min || n > max {
        let (min, max) = (decimal(min as u64), decimal(max as u64));
        return Err(CheckoutError::invalid(
            field,
            &cat(&["must be ", &min, " to ", &max, " characters long"]),
            &cat(&["长度必须在 ", &min, " 到 ", &max, " 个字符之间"]),
        ));
    }
    Ok(())
}

/// Whether `text` is an IPv4 or IPv6 address exactly as `text.parse::<std::net::IpAddr>()`
/// reads one (a property test holds the two together): dotted IPv4 without leading zeros,
/// IPv6 with at most one `::` and an optional dotted IPv4 tail, no zone, no brackets.
/// std's parser was 0.9 KB gzip of the full entry and of the validator.
pub fn is_ip_address(text: &str) -> bool {
    let b = text.as_bytes();
    let mut at = 0;
    (ipv4(b, &mut at) || ipv6(b, &mut at)) && at == b.len()
}

/// One number of at most `max` digits in `radix` (10 or 16) at `*at`, moving past it on success.
/// As std reads it: every digit present counts (more than `max` fails), and a decimal number
/// may not start with 0 unless it is 0.
fn ip_number(b: &[u8], at: &mut usize, radix: u32, max: usize) -> Option<u32> {
    let mut i = *at;
    let mut n: u32 = 0;
    while let Some(d) = b.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        n = n * radix + d;
        i += 1;
        if i - *at > max {
            return None;
        }
    }
    let digits = i - *at;
    if digits == 0 || (radix == 10 && digits > 1 && b[*at] == b'0') {
        return None;
    }
    *at = i;
    Some(n)
}

/// Four decimal octets joined by dots; `*at` moves only on success.
fn ipv4(b: &[u8], at: &mut usize) -> bool {
    let mut i = *at;
    for k in 0..4 {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return false;
            }
            i += 1;
        }
        match ip_number(b, &mut i, 10, 3) {
            Some(n) if n <= 255 => {}
            _ => return false,
        }
    }
    *at = i;
    true
}

/// Up to `limit` groups joined by `:` (a dotted IPv4 may stand for the last two): how many
/// were read and whether they ended in an IPv4. `*at` ends after the last group read.
fn ip6_groups(b: &[u8], at: &mut usize, limit: usize) -> (usize, bool) {
    for k in 0..limit {
        let mut i = *at;
        if k > 0 {
            if b.get(i) != Some(&b':') {
                return (k, false);
            }
            i += 1;
        }
        if k + 1 < limit && ipv4(b, &mut i) {
            *at = i;
            return (k + 2, true);
        }
        if ip_number(b, &mut i, 16, 4).is_none() {
            return (k, false);
        }
        *at = i;
    }
    (limit, false)
}

fn ipv6(b: &[u8], at: &mut usize) -> bool {
    let mut i = *at;
    let (head, head_v4) = ip6_groups(b, &mut i, 8);
    if head < 8 {
        // An IPv4 only ends an address; `::` stands for at least one group.
        if head_v4 || b.get(i..i + 2) != Some(b"::") {
            return false;
        }
        i += 2;
        ip6_groups(b, &mut i, 7 - head);
    }
    *at = i;
    true
}

pub fn check_no_control(field: &str, value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        return Err(CheckoutError::invalid(
            field,
            "must not contain control characters",
            "不能包含控制字符",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Addresses as std writes them, cut, doubled or with a character changed, and strings of
    /// the characters that matter: the same verdict as std's `IpAddr` parser on every one.
    fn ip_like() -> impl Strategy<Value = String> {
        let written = prop_oneof![
            any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
            any::<[u16; 8]>().prop_map(|g| std::net::Ipv6Addr::from(g).to_string()),
            (any::<[u16; 8]>(), 0usize..8, 0usize..8).prop_map(|(mut g, a, n)| {
                for x in g.iter_mut().skip(a).take(n) {
                    *x = 0;
                }
                std::net::Ipv6Addr::from(g).to_string()
            }),
            any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_ipv6_mapped().to_string()),
        ];
        prop_oneof![
            written.clone(),
            (
                written.clone(),
                any::<prop::sample::Index>(),
                "[0-9a-fA-F:.%x ]"
            )
                .prop_map(|(s, i, c)| {
                    let mut chars: Vec<char> = s.chars().collect();
                    let at = i.index(chars.len());
                    chars[at] = c.chars().next().unwrap_or('0');
                    chars.into_iter().collect()
                }),
            (written.clone(), any::<prop::sample::Index>())
                .prop_map(|(s, i)| s[..i.index(s.len() + 1)].to_string()),
            (written.clone(), written, "[:.]?").prop_map(|(a, b, sep)| format!("{a}{sep}{b}")),
            "[0-9a-fA-F:.]{0,45}",
            "([0-9]{1,4}\\.){0,5}[0-9]{0,4}",
            "(::?)?([0-9a-f]{0,5}::?){0,9}([0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})?",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn ip_addresses_read_as_std_reads_them(s in ip_like()) {
            prop_assert_eq!(is_ip_address(&s), s.parse::<std::net::IpAddr>().is_ok(), "{:?}", s);
        }
    }

    #[test]
    fn ip_addresses_std_is_particular_about() {
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1::1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1:2:3:4:5:6::8",
            "ABCD::ef",
            "00001::",
            "1.2.3.04",
            "01.2.3.4",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":::",
            ":1::",
            "1.2.3.4::",
            "1.2.3.4:1::",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::1.2.3.4:1",
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "::1:2:3:4:5:6:7:8",
            "fe80::1%eth0",
            "[::1]",
            " 1.2.3.4",
            "",
            "1.2.3.4 ",
            "1:2:3:4:5:6:7:12345",
            "::ffff:1.2.3.256",
            "1::2:",
            ":1::2",
        ] {
            assert_eq!(
                is_ip_address(s),
                s.parse::<std::net::IpAddr>().is_ok(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn form_round_trip_with_chinese_and_json() {
        let pairs = [
            ("description", "苹果13Pro".to_owned()),
            ("attach", r#"{"userId":888,"level":3}"#.to_owned()),
        ];
        let enc = form_encode(&pairs);
        // Same bytes as the spec's example encoding of attach.
        assert!(
            enc.contains("attach=%7B%22userId%22%3A888%2C%22level%22%3A3%7D"),
            "{enc}"
        );
        assert!(
            enc.starts_with("description=%E8%8B%B9%E6%9E%9C13Pro&"),
            "{enc}"
        );
        let back = form_decode(&enc).unwrap();
        assert_eq!(back[0], ("description".to_owned(), "苹果13Pro".to_owned()));
        // Runs of unreserved bytes between escapes, a space, `~` escaped as browsers do, a multibyte end.
        assert_eq!(
            form_encode(&[("d", "龙井 tea*-._~茶".to_owned())]),
            "d=%E9%BE%99%E4%BA%95+tea*-._%7E%E8%8C%B6"
        );
        assert_eq!(back[1].1, r#"{"userId":888,"level":3}"#);
    }

    #[test]
    fn headers_are_a_map_over_a_sorted_list() {
        let mut h = Headers::new(&[("x-b", "1"), ("content-type", "t"), ("x-a", "2")]);
        h.insert("x-b", "3");
        assert_eq!(h.get("x-b"), Some("3"));
        assert_eq!(h.get("x-c"), None);
        let map: BTreeMap<&str, &str> = [("content-type", "t"), ("x-a", "2"), ("x-b", "3")].into();
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            map.clone().into_iter().collect::<Vec<_>>()
        );
        // Written and read as the map it stands for.
        let text = serde_json::to_string(&h).unwrap();
        assert_eq!(text, serde_json::to_string(&map).unwrap());
        assert_eq!(serde_json::from_str::<Headers>(&text).unwrap(), h);
    }

    #[test]
    fn hex_both_ways() {
        assert_eq!(unhex("0aFf").as_deref(), Some(&[0x0a, 0xff][..]));
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
        for bad in ["abc", "+f", "zz", "0 "] {
            assert_eq!(unhex(bad), None, "{bad}");
        }
    }

    #[test]
    fn decode_refuses_broken_escapes() {
        assert_eq!(percent_decode("a%2"), None);
        assert_eq!(percent_decode("a%zz"), None);
        assert_eq!(percent_decode("%ff%fe"), None); // not UTF-8
        assert_eq!(percent_decode("a+b%20c").as_deref(), Some("a b c"));
    }

    #[test]
    fn urls() {
        assert!(check_http_url("u", "https://shop.example/notify", 512).is_ok());
        assert!(check_http_url("u", "http://127.0.0.1:8788", 512).is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "//x",
            "https:// x",
            "javascript:alert(1)",
            "https://:80/",
        ] {
            assert!(check_http_url("u", bad, 512).is_err(), "{bad}");
        }
        let long = format!("https://a.example/{}", "x".repeat(600));
        assert!(check_http_url("u", &long, 512).is_err());
        assert_eq!(
            endpoint("https://gatepay.io/", "/api/pay/create").unwrap(),
            "https://gatepay.io/api/pay/create"
        );
    }

    #[test]
    fn origins_that_can_pass_an_allowlist() {
        let cases = [
            (
                "https://Shop.Example.com/thanks?x=1",
                Some("https://shop.example.com"),
            ),
            (
                "https://shop.example.com:443/a",
                Some("https://shop.example.com"),
            ),
            ("http://127.0.0.1:8080/", Some("http://127.0.0.1:8080")),
            ("http://[::1]:8080/x", Some("http://[::1]:8080")),
            ("https://shop.example.com@evil.example/", None),
            ("https://shop.example.com\\@evil.example/", None),
            (
                "https://evil.example#@shop.example.com",
                Some("https://evil.example"),
            ),
            ("javascript://shop.example.com/%0aalert(1)", None),
            ("//shop.example.com/x", None),
            ("https://shop.example.com:/x", None),
            ("https:// shop.example.com", None),
        ];
        for (url, want) in cases {
            assert_eq!(origin_of(url).as_deref(), want, "{url}");
        }
    }
}
