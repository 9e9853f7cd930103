//! The simulation's modules form layers: reading the crate's sources, no top-level module
//! reaches, through `crate::` paths, a module that reaches back to it. A folder module counts as
//! one; the crate root, which wires everything, is left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a module names another: the file and line.
type Edges = BTreeMap<String, BTreeMap<String, (PathBuf, usize)>>;

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("the source folder is readable").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`x.rs` and `x/...` are `x`); none for the root.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).expect("under src").components().next().expect("a file name");
    let name = first.as_os_str().to_str().expect("UTF-8 file names");
    let name = name.strip_suffix(".rs").unwrap_or(name);
    (name != "lib").then(|| name.to_owned())
}

/// The code of a file with comments blanked out (doc links are not imports), keeping lines.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    keep(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == '"' {
            // A string: its text is not code either.
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    keep(&mut out, chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    keep(&mut out, chars[i]);
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal (not a lifetime).
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                keep(&mut out, chars[i]);
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The first identifier of each item of a `{ ... }` group starting at `at` (just past `{`).
fn group_heads(code: &str, at: usize) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let (mut depth, mut expect_head) = (1, true);
    let bytes = code.as_bytes();
    let mut i = at;
    while i < bytes.len() && depth > 0 {
        let c = bytes[i] as char;
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 1 => expect_head = true,
            c if expect_head && depth == 1 && (c.is_alphanumeric() || c == '_') => {
                let end = code[i..].find(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(code.len(), |n| i + n);
                heads.push((i, code[i..end].to_owned()));
                expect_head = false;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// Which top-level modules each module names through `crate::` paths.
fn edges(src: &Path) -> Edges {
    let mut files = Vec::new();
    sources(src, &mut files);
    let modules: Vec<String> = files.iter().filter_map(|f| module_of(src, f)).collect();
    let mut edges = Edges::new();
    for file in &files {
        let Some(from) = module_of(src, file) else { continue };
        let code = code_only(&std::fs::read_to_string(file).expect("a readable source file"));
        let line_of = |at: usize| code[..at].matches('\n').count() + 1;
        for (at, _) in code.match_indices("crate::") {
            let rest = at + "crate::".len();
            let named: Vec<(usize, String)> = if code[rest..].starts_with('{') {
                group_heads(&code, rest + 1)
            } else {
                let end =
                    code[rest..].find(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(code.len(), |n| rest + n);
                vec![(rest, code[rest..end].to_owned())]
            };
            for (pos, to) in named {
                if to != from && modules.contains(&to) {
                    edges.entry(from.clone()).or_default().entry(to).or_insert((file.clone(), line_of(pos)));
                }
            }
        }
    }
    edges
}

/// A cycle of modules, first module repeated at the end, if there is one.
fn find_cycle(edges: &Edges) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &Edges,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flat_map(|m| m.keys()) {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|p| p == next).expect("on the path");
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, edges, state, path) {
                        return Some(cycle);
                    }
                }
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if !state.contains_key(node)
            && let Some(cycle) = visit(node, edges, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn modules_import_each_other_in_layers_without_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    assert!(edges.get("taxi").is_some_and(|m| m.contains_key("vehicle")), "the reader sees imports: {edges:?}");
    if let Some(cycle) = find_cycle(&edges) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let (file, line) = &edges[&w[0]][&w[1]];
                let file = file.strip_prefix(&src).unwrap_or(file).display();
                format!("{} -> {} (src/{file}:{line})", w[0], w[1])
            })
            .collect();
        panic!("modules import each other in a circle: {}\n  {}", cycle.join(" -> "), steps.join("\n  "));
    }
}

#[test]
fn the_reader_finds_grouped_imports_and_skips_comments_and_strings() {
    let code = code_only("use crate::{a, b::c, d::{e, f}};\n// crate::x\nlet s = \"crate::y\"; let c = '\"'; crate::g");
    let heads: Vec<String> =
        group_heads(&code, code.find('{').expect("a group") + 1).into_iter().map(|h| h.1).collect();
    assert_eq!(heads, ["a", "b", "d"]);
    assert!(!code.contains("crate::x") && !code.contains("crate::y") && code.contains("crate::g"));
    let mut edges = Edges::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a")] {
        edges.entry(from.into()).or_default().insert(to.into(), (PathBuf::new(), 1));
    }
    assert_eq!(find_cycle(&edges), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    edges.get_mut("c").expect("c").clear();
    assert_eq!(find_cycle(&edges), None);
}
