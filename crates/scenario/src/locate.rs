//! Finds where a field path (`fleets.taxis[0].depot`) stands in RON text, so that semantic
//! errors found after parsing still point at a line and column.
//!
//! serde forgets positions once a value is built; rather than thread spans through every
//! schema type, this reads the (already valid) text a second time into a tree of positions.

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A named field of a struct or struct-like enum variant.
    Field(String),
    /// An element of a list or tuple.
    Index(usize),
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

/// Byte offset of the value at `path` in `text`, or of the deepest ancestor found.
pub fn locate(text: &str, path: &[Segment]) -> Option<LineCol> {
    let tokens = tokenize(text);
    let mut parser = Parser { tokens: &tokens, at: 0 };
    let tree = parser.value()?;
    let mut node = &tree;
    for segment in path {
        match node.child(segment) {
            Some(child) => node = child,
            None => break,
        }
    }
    Some(line_col(text, node.start))
}

/// Converts a byte offset to a line and column.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    LineCol { line, col }
}

#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Open(u8),
    Close,
    Colon,
    Comma,
    Scalar,
}

fn tokenize(text: &str) -> Vec<(usize, Tok<'_>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b if b.is_ascii_whitespace() => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' | b'\'' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push((start, Tok::Scalar));
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#')) => {
                let start = i;
                i += 1;
                let hashes = bytes[i..].iter().take_while(|&&c| c == b'#').count();
                i += hashes + 1;
                let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                while i < bytes.len() && !bytes[i..].starts_with(&close) {
                    i += 1;
                }
                i += close.len();
                out.push((start, Tok::Scalar));
            }
            b'(' | b'[' | b'{' => {
                out.push((i, Tok::Open(b)));
                i += 1;
            }
            b')' | b']' | b'}' => {
                out.push((i, Tok::Close));
                i += 1;
            }
            b':' => {
                out.push((i, Tok::Colon));
                i += 1;
            }
            b',' => {
                out.push((i, Tok::Comma));
                i += 1;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push((start, Tok::Ident(&text[start..i])));
            }
            _ => {
                let start = i;
                while i < bytes.len() && !b"()[]{}:,\"' \t\r\n".contains(&bytes[i]) {
                    i += 1;
                }
                out.push((start, Tok::Scalar));
            }
        }
    }
    out
}

/// A value's position and, for containers, its children.
struct Node {
    start: usize,
    fields: Vec<(String, Node)>,
    items: Vec<Node>,
}

impl Node {
    fn child(&self, segment: &Segment) -> Option<&Node> {
        let direct = match segment {
            Segment::Field(name) => self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            Segment::Index(i) if self.fields.is_empty() => self.items.get(*i),
            Segment::Index(_) => None,
        };
        // `Some(x)` and newtype variants wrap the value the path means.
        direct.or_else(|| match (self.fields.is_empty(), self.items.as_slice()) {
            (true, [only]) => only.child(segment),
            _ => None,
        })
    }
}

struct Parser<'t, 'a> {
    tokens: &'t [(usize, Tok<'a>)],
    at: usize,
}

impl Parser<'_, '_> {
    fn peek(&self, ahead: usize) -> Option<&Tok<'_>> {
        self.tokens.get(self.at + ahead).map(|(_, t)| t)
    }

    fn value(&mut self) -> Option<Node> {
        let (start, _) = *self.tokens.get(self.at)?;
        let mut node = Node { start, fields: Vec::new(), items: Vec::new() };
        if matches!(self.peek(0), Some(Tok::Ident(_))) {
            self.at += 1;
            if !matches!(self.peek(0), Some(Tok::Open(b'('))) {
                return Some(node);
            }
        }
        match self.peek(0) {
            Some(Tok::Open(_)) => self.at += 1,
            Some(_) => {
                self.at += 1;
                return Some(node);
            }
            None => return None,
        }
        loop {
            match self.peek(0) {
                None => return Some(node),
                Some(Tok::Close) => {
                    self.at += 1;
                    return Some(node);
                }
                Some(Tok::Comma) => self.at += 1,
                Some(Tok::Ident(name)) if self.peek(1) == Some(&Tok::Colon) => {
                    let name = (*name).to_owned();
                    self.at += 2;
                    let child = self.value()?;
                    node.fields.push((name, child));
                }
                Some(_) => {
                    let child = self.value()?;
                    // Map entries `key: value` keep the value as the item.
                    if self.peek(0) == Some(&Tok::Colon) {
                        self.at += 1;
                        let value = self.value()?;
                        node.items.push(value);
                    } else {
                        node.items.push(child);
                    }
                }
            }
        }
    }
}

/// Parses a path written `a.b[2].c` into segments.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(Segment::Field(rest[..open].to_owned()));
            }
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(close) = stripped.find(']') else { break };
                if let Ok(i) = stripped[..close].parse() {
                    out.push(Segment::Index(i));
                }
                rest = &stripped[close + 1..];
            }
        } else if !rest.is_empty() {
            out.push(Segment::Field(rest.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"Scenario(
    name: "x", // a comment with fleets: inside
    fleets: (
        taxis: [
            (name: "a", depot: "one"),
            (name: "b", depot: "two"),
        ],
    ),
    rules: [
        SpeedLimit(id: "s", zone: "z", hours: (from: "07:30", to: "08:30")),
        NoFly(id: "n", hours: Some((from: "1", to: "2"))),
    ],
)"#;

    fn at(path: &str) -> (usize, usize) {
        let lc = locate(TEXT, &parse_path(path)).expect("path should resolve");
        (lc.line, lc.col)
    }

    #[test]
    fn finds_nested_fields_and_indices() {
        assert_eq!(at("fleets.taxis[1].depot"), (6, 32));
        assert_eq!(at("fleets.taxis[0]"), (5, 13));
        assert_eq!(at("rules[0].zone"), (10, 35));
        assert_eq!(at("rules[1].hours.to"), (11, 52), "looks through Some(...)");
    }

    #[test]
    fn stops_at_the_deepest_known_ancestor() {
        assert_eq!(at("fleets.taxis[7].depot"), (4, 16));
        assert_eq!(at("nonexistent"), (1, 1));
    }

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("a.b[2][3].c"),
            vec![
                Segment::Field("a".into()),
                Segment::Field("b".into()),
                Segment::Index(2),
                Segment::Index(3),
                Segment::Field("c".into())
            ]
        );
    }
}
