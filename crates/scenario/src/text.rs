//! Text from files written by others, before it is parsed and after it is shown.
//!
//! Scenario, map, rule and seed files are read whole only when their size is within
//! [`MAX_FILE_BYTES`], must be UTF-8 (a bad byte is located), and may hold no control characters,
//! whether written raw or as an escape inside a string: a name that moves the cursor or recolours
//! a terminal is refused where it is written. String literals are bounded by [`MAX_STRING_CHARS`]
//! so that one value cannot fill a page, a log or a replay. [`terminal_safe`] escapes what reaches
//! a terminal from elsewhere (messages quoting a file, names read from a replay).

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use crate::error::{Diagnostic, Diagnostics, LoadError};
use crate::locate::line_col;

/// The largest scenario, map or rule file read: a city's imported map is tens of megabytes.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// The longest string literal in a file, in characters: a description of a few paragraphs.
pub const MAX_STRING_CHARS: usize = 4_000;

/// The longest name (of a scenario, place, zone, fleet, flow, rule id or rule name), in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Whether `c` would act on a terminal or reorder text rather than show as itself: C0 and C1
/// controls, DEL, and the bidirectional embeddings, overrides and isolates.
pub fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character (see [`is_control`]) written as a `\u{..}` escape, except
/// newlines and tabs when `keep_lines` is set: what a terminal shows of text from a file.
pub fn terminal_safe(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_control(c) && !(keep_lines && matches!(c, '\n' | '\t'));
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Reads a UTF-8 text file of at most [`MAX_FILE_BYTES`], allocating no more than its real size;
/// `what` names it in the error ("scenario", "map", "rule option"). The parsers [`check`] it.
pub fn read(path: &Path, what: &str) -> Result<String, LoadError> {
    let io = |source| LoadError::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells a file at the limit from a larger one (or a growing pipe).
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    let name = path.display().to_string();
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(single(
            &name,
            None,
            format!("this {what} file is larger than {} MiB", MAX_FILE_BYTES >> 20),
            "split it: a map file of its own, rule options in files of their own",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let at = line_col(&String::from_utf8_lossy(&bytes[..valid]), valid);
            return Err(single(
                &name,
                Some(at),
                format!("not UTF-8 text: byte {valid} (0x{:02x}) cannot start a character", bytes[valid]),
                &format!("save the {what} as UTF-8; is this the file you meant?"),
            ));
        }
    };
    Ok(text)
}

/// Refuses control characters, raw or escaped, and string literals over [`MAX_STRING_CHARS`],
/// each located by line and column. `file` names the text in the message.
pub fn check(text: &str, file: &str) -> Result<(), LoadError> {
    let mut items = Vec::new();
    let mut push = |offset: usize, message: String, hint: &str| {
        if items.len() < 20 {
            items.push(Diagnostic {
                at: Some(line_col(text, offset)),
                path: String::new(),
                message,
                hint: Some(hint.into()),
            });
        }
    };
    let hint_control = "remove it: names and descriptions are shown on terminals, pages and projectors";
    for (i, c) in text.char_indices() {
        if is_control(c) && !matches!(c, '\n' | '\t' | '\r') {
            push(i, format!("control character U+{:04X} in the file", u32::from(c)), hint_control);
        }
    }
    for literal in string_literals(text) {
        if literal.chars > MAX_STRING_CHARS {
            push(
                literal.start,
                format!("a text of {} characters; at most {MAX_STRING_CHARS} are read", literal.chars),
                "shorten it; a long explanation belongs in a document the scenario's description names",
            );
        }
        if let Some((offset, c)) = literal.escaped_control {
            push(offset, format!("control character U+{:04X} written as an escape", u32::from(c)), hint_control);
        }
    }
    if items.is_empty() { Ok(()) } else { Err(LoadError::Syntax(Diagnostics { file: file.to_owned(), items })) }
}

/// One error with a hint, at `at` when known.
fn single(file: &str, at: Option<crate::locate::LineCol>, message: String, hint: &str) -> LoadError {
    LoadError::Syntax(Diagnostics {
        file: file.to_owned(),
        items: vec![Diagnostic { at, path: String::new(), message, hint: Some(hint.into()) }],
    })
}

/// A string literal of RON text: where it starts, its length in characters once unescaped, and
/// the first escape in it that stands for a control character (other than `\n` and `\t`).
struct Literal {
    start: usize,
    chars: usize,
    escaped_control: Option<(usize, char)>,
}

/// The string literals of RON text, skipping comments and character literals; raw strings
/// (`r#"..."#`) are counted too. Unterminated ones end at the end of the text: the parser
/// reports those.
fn string_literals(text: &str) -> Vec<Literal> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n + 1);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
            }
            b'\'' => {
                // A character literal ('x', '町', '\'', '\u{1b}'): skip to its closing quote, so a
                // quote inside it does not open a string.
                let body = &text[i + 1..];
                let len = match body.strip_prefix('\\') {
                    // The escaped character first (it may be a quote), then up to the closing one.
                    Some(escape) => {
                        let first = escape.chars().next().map_or(0, char::len_utf8);
                        1 + first + escape[first..].find('\'').unwrap_or(escape.len() - first)
                    }
                    None => body.chars().next().map_or(0, char::len_utf8),
                };
                i += 1 + len + usize::from(text[i + 1 + len..].starts_with('\''));
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#')) && (i == 0 || !is_ident(b[i - 1])) => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = text[open + 1..].find(&close).map_or(b.len(), |n| open + 1 + n);
                found.push(Literal { start: i, chars: text[open + 1..end].chars().count(), escaped_control: None });
                i = (end + close.len()).min(b.len());
            }
            b'"' => {
                let (literal, next) = quoted(text, i);
                found.push(literal);
                i = next;
            }
            _ => i += 1,
        }
    }
    found
}

/// The quoted string starting at `start` (a `"`), and the offset after it.
fn quoted(text: &str, start: usize) -> (Literal, usize) {
    let mut literal = Literal { start, chars: 0, escaped_control: None };
    let mut chars = text[start + 1..].char_indices().map(|(i, c)| (start + 1 + i, c)).peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (literal, at + 1),
            '\\' => {
                let escaped = match chars.next() {
                    Some((_, 'x')) => {
                        let hex: String = (0..2).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    }
                    Some((_, 'u')) => {
                        let mut hex = String::new();
                        if chars.peek().is_some_and(|&(_, c)| c == '{') {
                            chars.next();
                            while let Some((_, c)) = chars.next_if(|&(_, c)| c != '}') {
                                hex.push(c);
                            }
                            chars.next();
                        } else {
                            hex.extend((0..4).filter_map(|_| chars.next().map(|(_, c)| c)));
                        }
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    }
                    Some((_, '0')) => Some('\0'),
                    Some((_, 'b')) => Some('\u{8}'),
                    Some((_, 'f')) => Some('\u{c}'),
                    Some((_, 'r')) => Some('\r'),
                    Some((_, other)) => Some(other),
                    None => None,
                };
                if let Some(e) = escaped
                    && is_control(e)
                    && !matches!(e, '\n' | '\t')
                    && literal.escaped_control.is_none()
                {
                    literal.escaped_control = Some((at, e));
                }
                literal.chars += 1;
            }
            _ => literal.chars += 1,
        }
    }
    (literal, text.len())
}

/// Whether `c` can be part of an identifier (so `r` in `for"` is not a raw string's start).
fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> String {
        check(text, "t.ron").err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn control_characters_are_refused_raw_and_escaped_with_their_place() {
        assert_eq!(messages("(name: \"ok\", d: \"line\\nnext\\ttab\")"), "");
        let raw = messages("(\n  name: \"a\u{1b}[31m\",\n)");
        assert!(raw.starts_with("t.ron:2:11: control character U+001B in the file"), "{raw}");
        let escaped = messages("(\n  name: \"a\\u{1b}[2J\",\n)");
        assert!(escaped.starts_with("t.ron:2:11: control character U+001B written as an escape"), "{escaped}");
        assert!(messages("(name: \"\\x07\")").contains("U+0007"));
        assert!(messages("(name: \"\\0\")").contains("U+0000"));
        assert!(messages("(name: \"a\u{202E}b\")").contains("U+202E"), "a bidi override reorders text");
        // Escapes in comments and character literals are not strings.
        assert_eq!(messages("// \"\\u{1b}\"\n(c: '\"', d: \"x\")"), "");
        assert!(messages("(c: '町', e: '\\'', d: \"\\u{1b}\")").contains("U+001B"), "strings after characters");
    }

    #[test]
    fn long_literals_are_refused_raw_strings_included() {
        let long = "町".repeat(MAX_STRING_CHARS + 1);
        let m = messages(&format!("(a: \"short\",\n b: \"{long}\")"));
        assert!(m.starts_with("t.ron:2:5: a text of 4001 characters; at most 4000 are read"), "{m}");
        let m = messages(&format!("(b: r#\"{long}\"#)"));
        assert!(m.contains("4001 characters"), "{m}");
        assert_eq!(messages(&format!("(b: \"{}\")", "x".repeat(MAX_STRING_CHARS))), "");
    }

    #[test]
    fn terminals_see_escapes_not_controls() {
        assert_eq!(terminal_safe("plain 町", false), "plain 町");
        assert_eq!(terminal_safe("a\u{1b}[2Jb\u{7}", false), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(terminal_safe("two\nlines", true), "two\nlines");
        assert_eq!(terminal_safe("two\nlines", false), "two\\u{a}lines");
        assert_eq!(terminal_safe("x\u{202E}y", true), "x\\u{202e}y");
    }

    #[test]
    fn files_are_read_within_their_size_and_bad_bytes_located() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bad.ron");
        std::fs::write(&path, b"(\n  name: \"ab\xffc\",\n)").expect("write");
        let m = read(&path, "scenario").expect_err("not UTF-8").to_string();
        assert!(m.contains("bad.ron:2:12: not UTF-8 text: byte 13 (0xff)"), "{m}");
    }
}
