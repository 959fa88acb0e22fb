//! Finding the one-time code in an SMS.
//!
//! Candidates are runs of 4 to 8 digits (groups joined by one `-` or space count as one run:
//! `482-913`, `123 456`), or 4 to 8 letters and digits right after a word such as "code". Phone
//! numbers, money, order numbers, times and URLs are skipped. The candidate nearest after a keyword
//! ("code", "OTP", "PIN", "код", "código", …) wins; without keywords, the first plausible one.

/// Words that announce a code, in lower case.
const KEYWORDS: [&str; 14] = [
    "code",
    "otp",
    "pin",
    "passcode",
    "password",
    "verification",
    "verify",
    "token",
    "код",
    "código",
    "codigo",
    "kode",
    "mã",
    "验证码",
];

#[derive(Debug)]
struct Candidate {
    code: String,
    start: usize,
}

/// Extracts the verification code from an SMS, without separators.
///
/// ```
/// use vnum_protocol::sms::extract_code;
/// assert_eq!(extract_code("Your Google code is G-847291").as_deref(), Some("847291"));
/// assert_eq!(extract_code("Your WhatsApp code is 482-913").as_deref(), Some("482913"));
/// assert_eq!(extract_code("Hello there"), None);
/// ```
pub fn extract_code(text: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let lower = text.to_lowercase();
    let mut candidates = digit_runs(&chars);
    candidates.extend(alphanumeric_after_keyword(text, &lower));
    if candidates.is_empty() {
        return None;
    }
    let keyword_ends: Vec<usize> =
        KEYWORDS.iter().flat_map(|k| lower.match_indices(k).map(|(i, m)| i + m.len())).collect();
    // Distance from a keyword to the candidate; codes before the keyword ("G-123456 is your code") count
    // too, at a small penalty.
    let score = |c: &Candidate| -> usize {
        keyword_ends
            .iter()
            .map(|&end| if c.start >= end { c.start - end } else { (end - c.start) + 8 })
            .min()
            .unwrap_or(usize::MAX / 2)
            + if (4..=8).contains(&c.code.len()) { 0 } else { 100 }
    };
    candidates.into_iter().min_by_key(|c| (score(c), c.start)).map(|c| c.code)
}

/// Runs of digits, allowing one `-` or space between groups of two or more digits.
fn digit_runs(chars: &[(usize, char)]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].1.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut j = i;
        loop {
            while j < chars.len() && chars[j].1.is_ascii_digit() {
                digits.push(chars[j].1);
                j += 1;
            }
            // Join "482-913" and "123 456", but not "12:30" or "1-888-280-4331" into a code.
            let sep = chars.get(j).map(|c| c.1);
            let next_is_group = chars.get(j + 1).is_some_and(|c| c.1.is_ascii_digit())
                && chars.get(j + 2).is_some_and(|c| c.1.is_ascii_digit());
            if matches!(sep, Some('-') | Some(' ')) && next_is_group && digits.len() >= 2 && digits.len() <= 4 {
                j += 1;
            } else {
                break;
            }
        }
        let before = start.checked_sub(1).map(|k| chars[k].1);
        let after = chars.get(j).map(|c| c.1);
        let attached_to_word = before.is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, '#' | '$' | '€' | '£' | '+' | '/' | '.' | ':' | ',' | '@')
        }) && !matches!(before, Some('-'));
        let part_of_number = after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '%' | '/' | '@'))
            || (matches!(after, Some('.') | Some(',') | Some(':'))
                && chars.get(j + 1).is_some_and(|c| c.1.is_ascii_digit()));
        let letter_prefix = before == Some('-') && start >= 2 && chars[start - 2].1.is_ascii_alphabetic();
        let dash_inside_number = before == Some('-') && !letter_prefix;
        if (4..=8).contains(&digits.len()) && !attached_to_word && !part_of_number && !dash_inside_number {
            out.push(Candidate { code: digits, start: chars[start].0 });
        }
        i = j.max(i + 1);
    }
    out
}

/// Codes with letters, such as `F7K2Q`, right after "code" / "code is" / "code:".
fn alphanumeric_after_keyword(text: &str, lower: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    if lower.len() != text.len() {
        return out; // case folding moved byte offsets; digit runs still apply
    }
    for (at, keyword) in lower.match_indices("code") {
        let rest = &text[at + keyword.len()..];
        let skipped = rest.len() - rest.trim_start_matches([' ', ':', '-']).len();
        let mut rest_trimmed = &rest[skipped..];
        let mut offset = at + keyword.len() + skipped;
        if let Some(after_is) = rest_trimmed.strip_prefix("is ") {
            offset += 3;
            rest_trimmed = after_is.trim_start_matches([' ', ':']);
        }
        let token: String = rest_trimmed.chars().take_while(char::is_ascii_alphanumeric).collect();
        let has_digit = token.bytes().any(|b| b.is_ascii_digit());
        let has_upper = token.bytes().any(|b| b.is_ascii_uppercase());
        let has_lower = token.bytes().any(|b| b.is_ascii_lowercase());
        if (4..=8).contains(&token.len()) && has_digit && has_upper && !has_lower {
            out.push(Candidate { code: token, start: offset });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::extract_code;

    /// Message shapes seen from real services, and the code a person would type.
    const TABLE: &[(&str, Option<&str>)] = &[
        ("Your WhatsApp code is 482-913. Don't share it.", Some("482913")),
        (
            "Your WhatsApp code: 111-222\nYou can also tap on this link to verify your phone: v.whatsapp.com/111222",
            Some("111222"),
        ),
        ("G-847291 is your Google verification code.", Some("847291")),
        ("Your Google code is G-847291", Some("847291")),
        ("Telegram code: 48291\n\nYou can also tap on this link to log in:\nhttps://t.me/login/48291", Some("48291")),
        ("FB-12345 is your Facebook confirmation code", Some("12345")),
        ("123 456 is your Instagram code. Don't share it.", Some("123456")),
        (
            "[TikTok] 482913 is your verification code, valid for 5 minutes. To keep your account safe, never forward this code.",
            Some("482913"),
        ),
        ("Your OpenAI verification code is: 551203", Some("551203")),
        ("Discord: Your security code is 884213. Don't share this code with anyone.", Some("884213")),
        (
            "Your Uber code: 4821. Never share this code. Reply STOP ANY to +1 415-237-0403 to unsubscribe.",
            Some("4821"),
        ),
        ("Amazon: Your code is 582013. Don't share it. If you didn't request it, call 1-888-280-4331", Some("582013")),
        ("PayPal: Your security code is: 482913. Your code expires in 10 minutes. Please don't reply.", Some("482913")),
        ("Ваш код подтверждения: 5839. Никому не сообщайте.", Some("5839")),
        ("Tu código de verificación es 739201", Some("739201")),
        ("Microsoft account security code: 8234", Some("8234")),
        ("Code 123456 expires at 12:30", Some("123456")),
        ("1234 is your code", Some("1234")),
        ("Your Steam Guard code is F7K2Q", Some("F7K2Q")),
        ("<#> 662401 is your Viber code\nFA+9qCX9VSu", Some("662401")),
        ("Your order #2026 has shipped", None),
        ("You paid $1250 for this", None),
        ("Hello there", None),
        ("Your code is 12", None),
        ("Call +15551234567 now", None),
        ("", None),
    ];

    #[test]
    fn real_world_messages() {
        for (text, expected) in TABLE {
            assert_eq!(extract_code(text).as_deref(), *expected, "message: {text:?}");
        }
    }
}
