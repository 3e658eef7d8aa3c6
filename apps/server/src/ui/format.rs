//! Numbers, money, dates and sizes as each UI language writes them. Four locales with fixed
//! conventions: a table here is smaller and more predictable than a CLDR dependency.

use chrono::Datelike;
use tollgate_kernel::{Currency, Timestamp};

use super::i18n::Lang;

/// Narrow no-break space: French thousands separator and the space before a trailing symbol.
const NNBSP: char = '\u{202F}';
const NBSP: char = '\u{00A0}';

fn group_separator(lang: Lang) -> char {
    match lang {
        Lang::En => ',',
        Lang::De | Lang::Vi => '.',
        Lang::Fr => NNBSP,
    }
}

fn decimal_separator(lang: Lang) -> char {
    match lang {
        Lang::En => '.',
        Lang::De | Lang::Fr | Lang::Vi => ',',
    }
}

fn group(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// An integer with the language's grouping: 1,234,567 · 1.234.567 · 1 234 567.
pub fn number(lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group(&digits, group_separator(lang)))
}

/// A decimal with `scale` digits after the separator, from an integer `value / 10^scale`.
fn fixed(lang: Lang, value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let unit = 10_u64.pow(scale);
    let whole = group(&(abs / unit).to_string(), group_separator(lang));
    if scale == 0 {
        return format!("{sign}{whole}");
    }
    let frac = abs % unit;
    format!(
        "{sign}{whole}{}{frac:0width$}",
        decimal_separator(lang),
        width = scale as usize
    )
}

fn symbol(currency: &Currency) -> &str {
    match currency.code() {
        "USD" => "$",
        "EUR" => "€",
        "VND" => "₫",
        "GBP" => "£",
        "JPY" => "¥",
        other => other,
    }
}

/// An amount in minor units: `$49.00`, `49,00 $`, `45,00 €`, `1.190.000 ₫` — always the
/// currency's own number of decimals (none for VND).
pub fn money(lang: Lang, minor: i64, currency: &Currency) -> String {
    let amount = fixed(lang, minor, currency.exponent());
    place_symbol(lang, amount, currency)
}

/// Like [`money`], without a zero fraction: `$49`, `$49.50`, `45 €` — for price headlines.
pub fn money_short(lang: Lang, minor: i64, currency: &Currency) -> String {
    let exp = currency.exponent();
    let unit = 10_i64.pow(exp);
    if exp > 0 && minor % unit == 0 {
        place_symbol(lang, fixed(lang, minor / unit, 0), currency)
    } else {
        money(lang, minor, currency)
    }
}

fn place_symbol(lang: Lang, amount: String, currency: &Currency) -> String {
    let sym = symbol(currency);
    match lang {
        Lang::En if sym.chars().count() == 1 && currency.code() != "VND" => {
            match amount.strip_prefix('-') {
                Some(abs) => format!("-{sym}{abs}"),
                None => format!("{sym}{amount}"),
            }
        }
        _ => format!("{amount}{NBSP}{sym}"),
    }
}

const MONTHS: [[&str; 12]; 4] = [
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ],
    [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    [
        "thg 1", "thg 2", "thg 3", "thg 4", "thg 5", "thg 6", "thg 7", "thg 8", "thg 9", "thg 10",
        "thg 11", "thg 12",
    ],
];

fn month_name(lang: Lang, month0: u32) -> &'static str {
    let row = match lang {
        Lang::En => 0,
        Lang::De => 1,
        Lang::Fr => 2,
        Lang::Vi => 3,
    };
    MONTHS[row][month0 as usize % 12]
}

/// A calendar date (UTC): `Jan 5, 2027` · `5. Jan. 2027` · `5 janv. 2027` · `5 thg 1, 2027`.
pub fn date(lang: Lang, at: Timestamp) -> String {
    let (d, m, y) = (at.day(), month_name(lang, at.month0()), at.year());
    match lang {
        Lang::En => format!("{m} {d}, {y}"),
        Lang::De => format!("{d}. {m} {y}"),
        Lang::Fr => format!("{d} {m} {y}"),
        Lang::Vi => format!("{d} {m}, {y}"),
    }
}

/// A short day label for chart axes: `Jan 5` · `5. Jan.` · `5 janv.` · `5/1`.
pub fn day(lang: Lang, at: Timestamp) -> String {
    let (d, m) = (at.day(), month_name(lang, at.month0()));
    match lang {
        Lang::En => format!("{m} {d}"),
        Lang::De => format!("{d}. {m}"),
        Lang::Fr => format!("{d} {m}"),
        Lang::Vi => format!("{d}/{}", at.month()),
    }
}

/// Date and time (UTC), for logs: `Jan 5, 2027 14:03 UTC`.
pub fn date_time(lang: Lang, at: Timestamp) -> String {
    format!("{} {} UTC", date(lang, at), at.format("%H:%M"))
}

/// A byte count in binary units with the language's decimal separator: `1 GB`, `1,5 GB`.
pub fn bytes(lang: Lang, n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut unit = 0;
    let mut scaled = n.unsigned_abs() as f64;
    while scaled >= 1024.0 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    let sign = if n < 0 { "-" } else { "" };
    // One decimal below 10, none above; whole numbers without a fraction.
    let tenths = (scaled * 10.0).round() as i64;
    let text = if unit == 0 || tenths % 10 == 0 || scaled >= 10.0 {
        number(lang, scaled.round() as i64)
    } else {
        fixed(lang, tenths, 1)
    };
    format!("{sign}{text}{NBSP}{}", UNITS[unit])
}

/// A quantity of a feature's unit: bytes in binary units, anything else as a grouped number.
pub fn quantity(lang: Lang, n: i64, unit: Option<&str>) -> String {
    match unit {
        Some("byte" | "bytes") => bytes(lang, n),
        _ => number(lang, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn money_follows_each_currency_and_language() {
        assert_eq!(money(Lang::En, 4_900, &Currency::USD), "$49.00");
        assert_eq!(
            money(Lang::En, 123_456_789, &Currency::USD),
            "$1,234,567.89"
        );
        assert_eq!(money(Lang::De, 4_500, &Currency::EUR), "45,00\u{a0}€");
        assert_eq!(
            money(Lang::Fr, 123_456, &Currency::EUR),
            "1\u{202f}234,56\u{a0}€"
        );
        assert_eq!(
            money(Lang::Vi, 1_190_000, &Currency::VND),
            "1.190.000\u{a0}₫"
        );
        assert_eq!(
            money(Lang::En, 1_190_000, &Currency::VND),
            "1,190,000\u{a0}₫"
        );
        assert_eq!(money(Lang::En, -250, &Currency::USD), "-$2.50");
        assert_eq!(money(Lang::En, 5, &Currency::USD), "$0.05");
        assert_eq!(money_short(Lang::En, 4_900, &Currency::USD), "$49");
        assert_eq!(money_short(Lang::En, 4_950, &Currency::USD), "$49.50");
        assert_eq!(money_short(Lang::De, 45_000, &Currency::EUR), "450\u{a0}€");
        assert_eq!(
            money_short(Lang::Vi, 11_900_000, &Currency::VND),
            "11.900.000\u{a0}₫"
        );
    }

    #[test]
    fn numbers_dates_and_sizes() {
        assert_eq!(number(Lang::En, 1_000_000), "1,000,000");
        assert_eq!(number(Lang::De, 1_000), "1.000");
        assert_eq!(number(Lang::Fr, 100_000), "100\u{202f}000");
        assert_eq!(number(Lang::En, 999), "999");
        assert_eq!(number(Lang::En, -1_234), "-1,234");
        let at = chrono::Utc.with_ymd_and_hms(2027, 3, 5, 14, 3, 0).unwrap();
        assert_eq!(date(Lang::En, at), "Mar 5, 2027");
        assert_eq!(date(Lang::De, at), "5. März 2027");
        assert_eq!(date(Lang::Fr, at), "5 mars 2027");
        assert_eq!(date(Lang::Vi, at), "5 thg 3, 2027");
        assert_eq!(bytes(Lang::En, 1_073_741_824), "1\u{a0}GB");
        assert_eq!(bytes(Lang::De, 1_610_612_736), "1,5\u{a0}GB");
        assert_eq!(bytes(Lang::En, 209_715_200), "200\u{a0}MB");
        assert_eq!(bytes(Lang::En, 512), "512\u{a0}B");
    }
}
