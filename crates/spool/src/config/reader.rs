//! m4's input: a stack of character sources with positions.
//!
//! Files are pushed when read or included; the text a macro expands to is pushed on top
//! and read again, which is how m4 rescans. Characters of a file advance its line and
//! column; characters of an expansion all report the position of the macro call that
//! produced them, so messages point at a line the admin wrote.
//!
//! Before a file is pushed, [`check_garbled`] looks for what a web page leaves in a
//! pasted config: HTML entities such as `&#039;` where m4 quotes belong, and NUL bytes.

use std::path::Path;
use std::sync::Arc;

use super::error::{ConfigError, Pos};

/// One source of characters: a file or the text of an expansion.
#[derive(Debug)]
struct Chunk {
    chars: Vec<char>,
    next: usize,
    pos: Pos,
    /// Files advance `pos`; expansions keep the position of their call.
    advance: bool,
}

/// The input stack.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    stack: Vec<Chunk>,
}

impl Reader {
    /// Pushes the text of a file, to be read before whatever was being read.
    pub fn push_file(&mut self, file: Arc<Path>, text: &str) {
        self.drop_exhausted();
        let pos = Pos::start(file);
        self.stack.push(Chunk { chars: text.chars().collect(), next: 0, pos, advance: true });
    }

    /// Pushes expansion text; its characters report `pos`.
    pub fn push_text(&mut self, pos: Pos, text: &str) {
        if text.is_empty() {
            return;
        }
        self.drop_exhausted();
        self.stack.push(Chunk { chars: text.chars().collect(), next: 0, pos, advance: false });
    }

    /// How many sources are open (exhausted ones are dropped first).
    pub fn depth(&mut self) -> usize {
        self.drop_exhausted();
        self.stack.len()
    }

    fn drop_exhausted(&mut self) {
        while self.stack.last().is_some_and(|c| c.next >= c.chars.len()) {
            self.stack.pop();
        }
    }

    /// The next character, without taking it.
    pub fn peek(&mut self) -> Option<char> {
        self.drop_exhausted();
        self.stack.last().map(|c| c.chars[c.next])
    }

    /// The position of the next character (or of the end of the last source).
    pub fn pos(&mut self) -> Option<Pos> {
        self.drop_exhausted();
        self.stack.last().map(|c| c.pos.clone())
    }

    /// Takes the next character.
    pub fn bump(&mut self) -> Option<char> {
        self.drop_exhausted();
        let chunk = self.stack.last_mut()?;
        let c = chunk.chars[chunk.next];
        chunk.next += 1;
        if chunk.advance {
            if c == '\n' {
                chunk.pos.line += 1;
                chunk.pos.col = 1;
            } else {
                chunk.pos.col += 1;
            }
        }
        Some(c)
    }

    /// Takes a name (`[A-Za-z_][A-Za-z0-9_]*`) whose first character is next.
    pub fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if !(c.is_ascii_alphanumeric() || c == '_') {
                break;
            }
            name.push(c);
            self.bump();
        }
        name
    }

    /// Takes a quoted string whose opening `` ` `` is next; returns the text inside,
    /// one level of quotes removed, nested quotes kept.
    pub fn quoted(&mut self) -> Result<String, ConfigError> {
        let open = self.pos();
        self.bump();
        let mut text = String::new();
        let mut depth = 1;
        while let Some(c) = self.bump() {
            match c {
                '`' => depth += 1,
                '\'' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(text);
                    }
                }
                _ => {}
            }
            text.push(c);
        }
        let open = open.unwrap_or_else(|| Pos::start(Arc::from(Path::new("-"))));
        Err(ConfigError::syntax(&open, "quote ` opened here is never closed with '"))
    }

    /// Takes a `#` comment through its newline, which m4 copies without expanding.
    pub fn comment(&mut self) -> String {
        let mut text = String::new();
        while let Some(c) = self.bump() {
            text.push(c);
            if c == '\n' {
                break;
            }
        }
        text
    }

    /// Drops everything through the next newline (`dnl`).
    pub fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }
}

/// HTML entities that stand where an m4 quote (or other character) belongs.
const ENTITIES: &[(&str, bool)] = &[
    ("&#039;", true),
    ("&#39;", true),
    ("&#x27;", true),
    ("&apos;", true),
    ("&#96;", true),
    ("&#x60;", true),
    ("&#8216;", true),
    ("&#8217;", true),
    ("&lsquo;", true),
    ("&rsquo;", true),
    ("&quot;", true),
    ("&#34;", true),
    ("&amp;", false),
    ("&lt;", false),
    ("&gt;", false),
    ("&nbsp;", false),
];

/// Rejects text that came through a web page: an HTML entity or a NUL byte, reported
/// at its line and column.
pub(crate) fn check_garbled(file: &Arc<Path>, text: &str) -> Result<(), ConfigError> {
    for (index, line) in text.split('\n').enumerate() {
        let at = |byte: usize| Pos {
            file: file.clone(),
            line: index + 1,
            col: line[..byte].chars().count() + 1,
        };
        if let Some(byte) = line.find('\0') {
            return Err(ConfigError::syntax(&at(byte), "NUL byte (this is not a text file)"));
        }
        for (byte, _) in line.match_indices('&') {
            let rest = &line[byte..];
            let Some((entity, quote)) = ENTITIES
                .iter()
                .find(|(e, _)| rest.get(..e.len()).is_some_and(|r| r.eq_ignore_ascii_case(e)))
            else {
                continue;
            };
            let what = if *quote { " where a quote belongs" } else { "" };
            let message =
                format!("HTML entity {entity}{what} (was this file pasted from a web page?)");
            return Err(ConfigError::syntax(&at(byte), message));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Arc<Path> {
        Arc::from(Path::new("t.mc"))
    }

    #[test]
    fn quoted_strips_one_level_and_keeps_nesting() {
        let mut r = Reader::default();
        r.push_file(file(), "``a' b'c");
        assert_eq!(r.quoted().unwrap(), "`a' b");
        assert_eq!(r.bump(), Some('c'));
    }

    #[test]
    fn unclosed_quote_names_its_opening() {
        let mut r = Reader::default();
        r.push_file(file(), "x\n  `abc");
        r.bump();
        r.bump();
        r.bump();
        r.bump();
        let err = r.quoted().unwrap_err().to_string();
        assert!(err.starts_with("t.mc: line 2, column 3: quote"), "{err}");
    }

    #[test]
    fn entity_is_reported_with_line_and_column() {
        let text = "dnl\ndefine(`confX&#039;, `1&#039;)";
        let err = check_garbled(&file(), text).unwrap_err().to_string();
        assert_eq!(
            err,
            "t.mc: line 2, column 14: HTML entity &#039; where a quote belongs \
             (was this file pasted from a web page?)"
        );
    }

    #[test]
    fn ampersand_before_multibyte_character_is_not_sliced() {
        // Found by tests/config_fuzz.rs: `&am` followed by U+FEFF.
        assert!(check_garbled(&file(), "&am\u{feff}x &\u{e9}").is_ok());
    }

    #[test]
    fn ampersand_macros_are_not_entities() {
        assert!(check_garbled(&file(), "R$* $: $&{client_addr} &x; a&b").is_ok());
    }
}
