//! The page: the template with the player's style (the Japanese font inside it), its script,
//! the data and the replays, under a Content-Security-Policy that admits that one script and
//! that one style by their SHA-256 hashes and nothing else.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use pilotzone_replay::Lang;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::labels::{self, KPI_ROWS, KpiRow, Vocabulary};
use crate::run::RunData;
use crate::{Run, StudyComparison, WebError};

/// The page's markup, with `{{name}}` where the export puts its parts.
pub(crate) const TEMPLATE: &str = include_str!("../assets/player.html");
/// The page's style.
const STYLE: &str = include_str!("../assets/player.css");
/// The player's scripts, in the order the page runs them: the replay reader, the map, the
/// charts, the player that wires them up.
pub(crate) const SCRIPTS: [&str; 4] = [
    include_str!("../assets/replay.js"),
    include_str!("../assets/map.js"),
    include_str!("../assets/charts.js"),
    include_str!("../assets/player.js"),
];
/// The deliberation card's script, on pages `pilotzone serve` serves.
pub(crate) const LIVE_SCRIPT: &str = include_str!("../assets/deliberation.js");
/// Noto Sans JP cut to what the page shows (see `scripts/make-web-font.sh`).
const FONT: &[u8] = include_bytes!("../assets/fonts/noto-sans-jp-subset.woff2");

/// Version of the data the page reads; the script refuses another.
const DATA_VERSION: u32 = 1;

/// Everything the page's script reads from its data block.
#[derive(Serialize)]
struct Data<'a> {
    version: u32,
    lang: &'static str,
    labels: std::collections::BTreeMap<&'static str, pilotzone_scene::Text>,
    vocabulary: Vocabulary,
    kpi_rows: &'static [KpiRow],
    runs: Vec<RunData<'a>>,
    study: Option<&'a StudyComparison>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<&'a Live>,
}

/// What a study page served by `pilotzone serve` knows beyond an export: the study and the
/// runs it shows, so its deliberation card can talk to the service.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Live {
    /// The study's id.
    pub study: String,
    /// The options shown, A first.
    pub options: Vec<String>,
    /// The seed shown.
    pub seed: u64,
    /// Every option of the study, for support and concern.
    pub all_options: Vec<String>,
    /// Every seed of the study.
    pub seeds: Vec<u64>,
}

/// The HTML document for one run, or two side by side (`runs[0]` is A, `runs[1]` B), opening
/// in `lang`. Two runs must be of one scenario.
pub fn page(runs: &[Run], study: Option<&StudyComparison>, lang: Lang) -> Result<String, WebError> {
    make(runs, study, lang, None)
}

/// The page of a study served by `pilotzone serve`: the player with the deliberation card, whose
/// script may talk to the page's own origin and nowhere else.
pub fn live_page(runs: &[Run], study: Option<&StudyComparison>, lang: Lang, live: &Live) -> Result<String, WebError> {
    make(runs, study, lang, Some(live))
}

fn make(runs: &[Run], study: Option<&StudyComparison>, lang: Lang, live: Option<&Live>) -> Result<String, WebError> {
    if let [first, second] = runs
        && first.scenario != second.scenario
    {
        return Err(WebError::DifferentScenarios { first: first.scenario.clone(), second: second.scenario.clone() });
    }
    let titles: Vec<String> = match study {
        Some(s) => vec![s.baseline.clone(), s.variant.clone()],
        None => runs.iter().map(Run::label).collect(),
    };
    let data = Data {
        version: DATA_VERSION,
        lang: lang.tag(),
        labels: labels::label_texts(),
        vocabulary: labels::vocabulary(),
        kpi_rows: KPI_ROWS,
        runs: runs.iter().zip(titles).map(|(r, title)| r.data(title)).collect(),
        study,
        live,
    };
    let json = serde_json::to_string(&data).expect("the page's data is plain values, always JSON");
    let replays: String = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "<script type=\"application/octet-stream\" id=\"pz-replay-{i}\">{}</script>\n",
                BASE64.encode(&r.bytes)
            )
        })
        .collect();
    let style = format!(
        "@font-face{{font-family:\"PZ Noto Sans JP\";src:url(data:font/woff2;base64,{}) format(\"woff2\");font-display:block}}\n{STYLE}",
        BASE64.encode(FONT)
    );
    let mut script = SCRIPTS.join("\n");
    // An export loads nothing from anywhere; a served page also talks to its own service.
    let connect = if live.is_some() {
        script.push('\n');
        script.push_str(LIVE_SCRIPT);
        " connect-src 'self';"
    } else {
        ""
    };
    let csp = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; font-src data:;{connect} base-uri 'none'; form-action 'none'",
        csp_source(&script),
        csp_source(&style)
    );
    Ok(fill(
        TEMPLATE,
        &[
            ("lang", lang.tag()),
            ("csp", &csp),
            ("style", &style),
            ("data", &script_json(&json)),
            ("replays", &replays),
            ("script", &script),
        ],
    ))
}

/// The Content-Security-Policy source that admits an inline script or style with exactly this
/// text: `sha256-` and the base64 of its digest.
pub fn csp_source(text: &str) -> String {
    format!("sha256-{}", BASE64.encode(Sha256::digest(text.as_bytes())))
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` (which JSON has only inside
/// strings) written as escapes, so no text can close the element or open a comment; and the two
/// line separators JavaScript once read as line ends.
fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The template with each `{{name}}` replaced, in one pass over the template: a value is never
/// searched for placeholders, so data that spells `{{script}}` stays data.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + parts.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        let name = &rest[start + 2..start + len];
        let value = parts.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let value = value.unwrap_or_else(|| panic!("the template names a part {name} the export does not fill"));
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_close_its_script_element() {
        let json = serde_json::to_string(&serde_json::json!({
            "name": "</script><script>alert(1)</script><!-- & \u{2028}"
        }))
        .expect("json");
        let safe = script_json(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&') && !safe.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["name"], "</script><script>alert(1)</script><!-- & \u{2028}");
    }

    #[test]
    fn placeholders_are_filled_once_and_never_inside_values() {
        let filled = fill("<a>{{data}}</a><b>{{script}}</b>", &[("data", "{{script}}"), ("script", "run()")]);
        assert_eq!(filled, "<a>{{script}}</a><b>run()</b>");
    }

    #[test]
    fn the_assets_are_fit_to_be_inlined() {
        for (i, script) in SCRIPTS.iter().chain([&LIVE_SCRIPT]).enumerate() {
            assert!(!script.to_ascii_lowercase().contains("</script"), "script {i} cannot close its element");
            assert!(
                !script.contains("innerHTML") && !script.contains("insertAdjacentHTML"),
                "script {i} writes text only"
            );
            assert!(!script.contains("eval(") && !script.contains("new Function"), "script {i} runs no strings");
        }
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        assert!(!TEMPLATE.contains("style=\""), "no inline style attributes: the CSP would block them");
        assert!(FONT.starts_with(b"wOF2"), "the font is WOFF2");
    }

    #[test]
    fn hashes_are_csp_sources() {
        // SHA-256 of the empty string.
        assert_eq!(csp_source(""), "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }
}
