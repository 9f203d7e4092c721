//! Exact money. An [`Amount`] is a whole number of fen (1/100 yuan, or 1/100 of
//! the order currency's unit): it is parsed from decimal text digit by digit and
//! never passes through a float.

use crate::error::{cat, push_decimal, CheckoutError, Code, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Largest amount accepted: the largest integer JavaScript numbers hold exactly,
/// so fen survive the trip through JS unchanged.
pub const MAX_FEN: u64 = (1 << 53) - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    fen: u64,
}

impl Amount {
    /// A stand-in while a record's fields are read ([`crate::request::Fields`]), never kept.
    pub(crate) const ZERO: Amount = Amount { fen: 0 };

    pub fn from_fen(fen: u64) -> Result<Amount> {
        if fen > MAX_FEN {
            return Err(amount_error("is too large", "金额过大"));
        }
        Ok(Amount { fen })
    }

    pub fn fen(self) -> u64 {
        self.fen
    }

    /// Parses `^\d+(\.\d{1,2})?$` (ASCII digits only) exactly.
    /// `"1.21"` → 121 fen; `"1.234"`, `"-1"`, `"1e3"`, `"０.５"`, `" 1"` are refused.
    pub fn parse(text: &str) -> Result<Amount> {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(amount_error(
                "must be a decimal number like 12 or 12.50",
                "必须是形如 12 或 12.50 的十进制数",
            ));
        }
        let cents = match frac {
            None => 0,
            Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let digits = u64::from(f.as_bytes()[0] - b'0') * 10; // ok: len >= 1 checked
                digits + f.as_bytes().get(1).map_or(0, |b| u64::from(b - b'0'))
            }
            Some(_) => {
                return Err(amount_error(
                    "has more than two decimal places or a malformed fraction",
                    "小数位不能超过两位",
                ))
            }
        };
        // Digits only (checked above): `None` means too many of them.
        let yuan = crate::error::parse_decimal(whole)
            .ok_or_else(|| amount_error("is too large", "金额过大"))?;
        let fen = yuan
            .checked_mul(100)
            .and_then(|f| f.checked_add(cents))
            .ok_or_else(|| amount_error("is too large", "金额过大"))?;
        Amount::from_fen(fen)
    }

    /// Like [`Amount::parse`] but zero is refused: nobody pays nothing.
    pub fn parse_positive(text: &str) -> Result<Amount> {
        let a = Amount::parse(text)?;
        if a.fen == 0 {
            return Err(amount_error("must be greater than zero", "金额必须大于零"));
        }
        Ok(a)
    }

    pub fn checked_mul(self, quantity: u64) -> Result<Amount> {
        self.fen
            .checked_mul(quantity)
            .ok_or_else(|| amount_error("is too large", "金额过大"))
            .and_then(Amount::from_fen)
    }
}

fn amount_error(why: &str, why_zh: &str) -> CheckoutError {
    CheckoutError::new(
        Code::InvalidAmount,
        cat(&["amount ", why]),
        cat(&["金额", why_zh]),
    )
}

impl Amount {
    /// Always two decimals: `121` fen → `"1.21"`, `100` → `"1.00"`.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(8);
        push_decimal(&mut text, self.fen / 100);
        text.push_str(if self.fen % 100 < 10 { ".0" } else { "." });
        push_decimal(&mut text, self.fen % 100);
        text
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Serialised as the decimal string, so JSON and JS never see a float.
impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read back from the same decimal text; a number is refused (it may be a float).
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Amount, D::Error> {
        let text = String::deserialize(d)?;
        Amount::parse(&text).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))] // native only: proptest and python3
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(Amount::parse("1.21").map(Amount::fen), Ok(121));
        assert_eq!(Amount::parse("1.2").map(Amount::fen), Ok(120));
        assert_eq!(Amount::parse("0.01").map(Amount::fen), Ok(1));
        assert_eq!(Amount::parse("007").map(Amount::fen), Ok(700));
        assert_eq!(Amount::parse("29.90").map(Amount::fen), Ok(2990));
        // 0.1 + 0.2 style float traps cannot happen: 0.29 stays 29 fen.
        assert_eq!(Amount::parse("0.29").map(Amount::fen), Ok(29));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "1.234",
            "-1",
            "+1",
            "1e3",
            "1E3",
            "０.５",
            " 1",
            "1 ",
            "1.",
            ".5",
            "1..2",
            "1,5",
            "0x10",
            "NaN",
            "Infinity",
            "1.2.3",
            "١",
            "1_000",
            "99999999999999999999",
            "90071992547409.92",
        ] {
            let e = Amount::parse(bad).expect_err(bad);
            assert_eq!(e.code, Code::InvalidAmount, "{bad}");
        }
    }

    #[test]
    fn zero_is_not_positive() {
        assert_eq!(Amount::parse("0.00").map(Amount::fen), Ok(0));
        assert_eq!(
            Amount::parse_positive("0").unwrap_err().code,
            Code::InvalidAmount
        );
        assert_eq!(
            Amount::parse_positive("0.00").unwrap_err().code,
            Code::InvalidAmount
        );
    }

    #[test]
    fn limits_are_javascript_safe() {
        assert_eq!(
            Amount::parse("90071992547409.91").map(Amount::fen),
            Ok(MAX_FEN)
        );
        assert!(Amount::from_fen(MAX_FEN + 1).is_err());
        assert!(Amount::from_fen(MAX_FEN).unwrap().checked_mul(2).is_err());
        assert_eq!(
            Amount::from_fen(150)
                .unwrap()
                .checked_mul(3)
                .map(Amount::fen),
            Ok(450)
        );
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Amount::from_fen(121).unwrap().to_string(), "1.21");
        assert_eq!(Amount::from_fen(100).unwrap().to_string(), "1.00");
        assert_eq!(Amount::from_fen(5).unwrap().to_string(), "0.05");
        assert_eq!(
            serde_json::to_string(&Amount::from_fen(2990).unwrap()).unwrap(),
            "\"29.90\""
        );
    }

    proptest! {
        /// Written without `fmt`, held to what `fmt` writes.
        #[test]
        fn texts_match_fmt(n in any::<u64>(), fen in 0u64..=MAX_FEN) {
            prop_assert_eq!(crate::error::decimal(n), n.to_string());
            for edge in [0, 9, 10, 99, 100, u64::MAX] {
                prop_assert_eq!(crate::error::decimal(edge), edge.to_string());
            }
            let a = Amount::from_fen(fen).unwrap();
            prop_assert_eq!(a.to_text(), format!("{}.{:02}", fen / 100, fen % 100));
        }

        /// Read without `FromStr`, held to what `str::parse` reads: signs, empty texts,
        /// anything around the digits, and numbers either side of `u64::MAX` and `u32::MAX`.
        #[test]
        fn whole_numbers_read_as_parse_reads_them(
            s in prop_oneof![
                "[+-]{0,2}[0-9]{0,22}",
                "[0-9+ .a-]{0,6}",
                any::<u64>().prop_map(|n| n.to_string()),
                (4_294_967_290u64..4_294_967_300).prop_map(|n| n.to_string()),
                (any::<u64>(), 0u64..100).prop_map(|(n, k)| (u128::from(n) + u128::from(k)).to_string()),
                "\\PC{0,8}",
            ],
        ) {
            prop_assert_eq!(crate::error::parse_decimal(&s), s.parse::<u64>().ok(), "{:?}", s);
            prop_assert_eq!(
                crate::error::parse_decimal(&s).and_then(|n| u32::try_from(n).ok()),
                s.parse::<u32>().ok(),
                "{:?}", s
            );
        }

        #[test]
        fn fen_round_trip(fen in 0u64..=MAX_FEN) {
            let a = Amount::from_fen(fen).unwrap();
            prop_assert_eq!(Amount::parse(&a.to_string()).unwrap(), a);
        }

        #[test]
        fn text_round_trip(yuan in 0u64..90_071_992_547_409, cents in 0u64..100, short in any::<bool>()) {
            // Written the way people write prices: "12", "12.5", "12.50".
            let text = if cents == 0 && short { yuan.to_string() }
                else if cents % 10 == 0 && short { format!("{yuan}.{}", cents / 10) }
                else { format!("{yuan}.{cents:02}") };
            let a = Amount::parse(&text).unwrap();
            prop_assert_eq!(a.fen(), yuan * 100 + cents);
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = Amount::parse(&s);
        }
    }
}
