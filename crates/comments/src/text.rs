//! What text a comment may hold: bounded lengths, and no characters that could hide, reorder or
//! take over what a reader sees (control characters, bidirectional overrides).

/// Most characters in a comment's text.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most characters in an author's name.
pub const MAX_AUTHOR_CHARS: usize = 80;
/// Most characters in a moderator's reason.
pub const MAX_REASON_CHARS: usize = 500;

/// Why a text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    /// Nothing but white space.
    #[error("is empty")]
    Empty,
    /// Longer than allowed.
    #[error("has {chars} characters, more than the {max} allowed")]
    TooLong {
        /// Characters given.
        chars: usize,
        /// Characters allowed.
        max: usize,
    },
    /// A character that is not text: a control character, or one that reorders text on screen.
    #[error("holds the character U+{code:04X} at character {at}, which is not allowed (control or direction override)")]
    Forbidden {
        /// The character's code point.
        code: u32,
        /// Its position, counted in characters from 0.
        at: usize,
    },
    /// A line break where one line is expected.
    #[error("must be one line")]
    Multiline,
}

/// Characters that reorder or hide text (bidirectional embeddings, overrides and isolates):
/// a name holding one could make a comment appear to say something else.
fn reorders(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn check(s: &str, max: usize, lines: bool) -> Result<(), TextProblem> {
    if s.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    let mut chars = 0;
    for (at, c) in s.chars().enumerate() {
        chars += 1;
        if c == '\n' && !lines {
            return Err(TextProblem::Multiline);
        }
        let allowed_control = lines && (c == '\n' || c == '\t');
        if (c.is_control() && !allowed_control) || reorders(c) {
            return Err(TextProblem::Forbidden { code: u32::from(c), at });
        }
    }
    if chars > max {
        return Err(TextProblem::TooLong { chars, max });
    }
    Ok(())
}

/// Checks a comment's text: lines and tabs allowed, at most `max` characters.
pub fn check_text(s: &str, max: usize) -> Result<(), TextProblem> {
    check(s, max, true)
}

/// Checks a one-line text such as a name: at most `max` characters.
pub fn check_line(s: &str, max: usize) -> Result<(), TextProblem> {
    check(s, max, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_words_in_any_script_pass() {
        check_text("交差点の横断歩道が心配です。\n朝7時半は子どもが多い。", MAX_TEXT_CHARS).expect("Japanese text");
        check_line("Sato (商店街)", MAX_AUTHOR_CHARS).expect("a name");
        check_text("<script>alert(1)</script>", MAX_TEXT_CHARS)
            .expect("markup is only text here; it is escaped where shown");
    }

    #[test]
    fn hostile_and_oversized_texts_are_refused_with_a_reason() {
        assert_eq!(check_line("   ", 10), Err(TextProblem::Empty));
        assert_eq!(check_line("ab\ncd", 10), Err(TextProblem::Multiline));
        assert_eq!(check_line("a\u{1b}[31mred", 20), Err(TextProblem::Forbidden { code: 0x1b, at: 1 }));
        assert_eq!(check_text("abc\u{202E}fdp.exe", 20), Err(TextProblem::Forbidden { code: 0x202E, at: 3 }));
        assert_eq!(check_text(&"あ".repeat(11), 10), Err(TextProblem::TooLong { chars: 11, max: 10 }));
        assert!(check_text(&"あ".repeat(10), 10).is_ok(), "the limit counts characters, not bytes");
        assert_eq!(check_text("a\0b", 10), Err(TextProblem::Forbidden { code: 0, at: 1 }));
    }
}
