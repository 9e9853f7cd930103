//! Every word the web player shows, in Japanese and English: its own labels, the KPIs it lists
//! and the units of measured values, plus the replay vocabulary and comment roles, all handed
//! to the page as data. The script looks words up by key and holds none, so a key missing here
//! is a test failure (the test reads the script for the keys it uses), not a blank on a screen.

use std::collections::BTreeMap;

use pilotzone_comments::Role;
use pilotzone_replay::{EntityKind, EventKind, Names, Severity};
use pilotzone_scene::Text;
use serde::Serialize;

/// The player's own labels.
pub const LABELS: &[(&str, Names)] = &[
    ("app.title", Names { ja: "pilotzone 特区リプレイ", en: "pilotzone replay" }),
    ("language", Names { ja: "English", en: "日本語" }),
    ("play", Names { ja: "再生", en: "Play" }),
    ("pause", Names { ja: "一時停止", en: "Pause" }),
    ("backwards", Names { ja: "逆再生", en: "Backwards" }),
    ("step.back", Names { ja: "1コマ戻る", en: "Step back" }),
    ("step.forward", Names { ja: "1コマ進む", en: "Step forward" }),
    ("speed", Names { ja: "速度", en: "Speed" }),
    ("clock", Names { ja: "時刻", en: "Time" }),
    ("timeline", Names { ja: "時間軸", en: "Timeline" }),
    ("fit", Names { ja: "全体を表示", en: "Show all" }),
    ("map", Names { ja: "地図", en: "Map" }),
    (
        "keys",
        Names {
            ja: "操作: Space 再生/停止 · ←→ 1コマ · Shift+←→ 1分 · [ ] 速度 · B 逆再生 · N 次のインシデント · L 言語 · 地図はドラッグで移動、ホイールで拡大",
            en: "Keys: Space play/pause · ←→ step · Shift+←→ 1 min · [ ] speed · B backwards · N next incident · L language · drag the map to move, wheel to zoom",
        },
    ),
    (
        "damaged",
        Names {
            ja: "このリプレイは途中で壊れています。読める部分を再生します",
            en: "This replay is damaged; the readable part plays",
        },
    ),
    ("unreadable", Names { ja: "このリプレイは読めません", en: "This replay cannot be read" }),
    ("incidents", Names { ja: "インシデント", en: "Incidents" }),
    ("incidents.none", Names { ja: "この運行ではインシデントはありません。", en: "No incidents in this run." }),
    ("incident.rule", Names { ja: "ルール", en: "Rule" }),
    ("incident.measured", Names { ja: "測定値", en: "Measured" }),
    ("incident.limit", Names { ja: "上限", en: "limit" }),
    ("incident.near", Names { ja: "付近", en: "Near" }),
    ("kpi", Names { ja: "指標", en: "KPIs" }),
    ("kpi.so_far", Names { ja: "この時刻まで", en: "So far" }),
    ("kpi.whole", Names { ja: "運行全体", en: "Whole run" }),
    ("kpi.difference", Names { ja: "差", en: "Difference" }),
    ("study", Names { ja: "調査の比較（シードごとの対比）", en: "Study: options paired by seed" }),
    ("study.interval", Names { ja: "差の95 %信頼区間", en: "95 % interval of the difference" }),
    ("study.seeds", Names { ja: "シード数", en: "Seeds" }),
    ("study.same", Names { ja: "全ペアで同じ値の指標（省略）", en: "KPIs equal in every pair (not shown)" }),
    ("charts", Names { ja: "一日の推移（10分ごと）", en: "Over the day (per 10 minutes)" }),
    ("chart.requested", Names { ja: "配車依頼", en: "Rides requested" }),
    ("chart.picked_up", Names { ja: "乗車", en: "Riders picked up" }),
    ("chart.delivered", Names { ja: "配達完了", en: "Parcels delivered" }),
    ("chart.incidents", Names { ja: "インシデント", en: "Incidents" }),
    ("comments", Names { ja: "コメント", en: "Comments" }),
    ("talk", Names { ja: "話し合い", en: "Deliberation" }),
    ("talk.option", Names { ja: "案", en: "Option" }),
    ("talk.compare", Names { ja: "比較", en: "Compare with" }),
    ("talk.none", Names { ja: "なし", en: "none" }),
    ("talk.show", Names { ja: "表示", en: "Show" }),
    (
        "talk.join_hint",
        Names {
            ja: "意見を書くには、届いた招待リンクを開いてください。",
            en: "To take part, open the invite link you were sent.",
        },
    ),
    ("talk.sign_in", Names { ja: "アカウントでログイン", en: "Sign in with an account" }),
    ("talk.sign_out", Names { ja: "ログアウト", en: "Sign out" }),
    (
        "talk.pick",
        Names {
            ja: "地図をクリックして、コメントの場所を選んでください（時刻は再生中の時刻）。",
            en: "Click the map to pin your comment to a place (at the time shown).",
        },
    ),
    ("talk.pin", Names { ja: "ピン", en: "Pinned" }),
    ("talk.replying", Names { ja: "返信先", en: "Replying to" }),
    ("talk.cancel", Names { ja: "取り消す", en: "Cancel" }),
    ("talk.text", Names { ja: "コメント（4000字まで）", en: "Your comment (up to 4,000 characters)" }),
    ("talk.send", Names { ja: "投稿する", en: "Post" }),
    ("talk.need_pin", Names { ja: "先に地図で場所を選んでください", en: "Choose a place on the map first" }),
    ("talk.need_text", Names { ja: "コメントを書いてください", en: "Write your comment first" }),
    ("talk.failed", Names { ja: "できませんでした", en: "Not done" }),
    ("talk.reply", Names { ja: "返信", en: "Reply" }),
    ("talk.refused.invalid", Names { ja: "入力を確かめてください", en: "Please check what you wrote" }),
    ("talk.refused.too_large", Names { ja: "長すぎます", en: "Too long" }),
    ("talk.refused.csrf", Names { ja: "ページを読み込み直してください", en: "Please reload the page" }),
    (
        "talk.refused.unauthenticated",
        Names {
            ja: "招待リンクから参加するか、ログインしてください", en: "Join with your invite link or sign in"
        },
    ),
    ("talk.refused.forbidden", Names { ja: "この役割ではできません", en: "Your role cannot do this" }),
    (
        "talk.refused.rate_limited",
        Names {
            ja: "少し待ってからもう一度送ってください", en: "Please wait a moment and send again"
        },
    ),
    (
        "talk.refused.database",
        Names {
            ja: "保存できませんでした。もう一度送ってください", en: "Nothing was saved; please send again"
        },
    ),
    ("talk.options", Names { ja: "各案への賛成・懸念", en: "Support or concern for each option" }),
    ("talk.support", Names { ja: "賛成", en: "Support" }),
    ("talk.concern", Names { ja: "懸念", en: "Concern" }),
    ("talk.why", Names { ja: "理由", en: "Your reason" }),
    ("talk.hide", Names { ja: "非表示にする", en: "Hide" }),
    ("talk.restore", Names { ja: "再表示する", en: "Show again" }),
    ("talk.reason", Names { ja: "理由（記録に残ります）", en: "Reason (kept in the record)" }),
    ("talk.summary", Names { ja: "まとめ（行政・研究者向け）", en: "Summary for officials and researchers" }),
    ("talk.heat", Names { ja: "コメントの多い場所を地図に表示", en: "Show where comments were pinned" }),
    ("talk.by_hour", Names { ja: "時間帯別のコメント", en: "Comments by hour" }),
    ("talk.export", Names { ja: "記録の書き出し", en: "Export the record" }),
    ("talk.audit", Names { ja: "変更の記録（監査ログ）", en: "Record of changes (audit log)" }),
    ("comments.none", Names { ja: "コメントはありません。", en: "No comments." }),
    ("comment.hidden", Names { ja: "非表示にされたコメント", en: "Hidden comment" }),
    ("legend", Names { ja: "凡例", en: "Legend" }),
    (
        "legend.height",
        Names {
            ja: "ドローンの数字は地上からの高さ (m)。多数飛んでいるときは地図を拡大すると表示されます",
            en: "Numbers by drones: height above ground (m); with many in the air, zoom in to see them",
        },
    ),
    ("legend.incident", Names { ja: "インシデントの地点", en: "Incident" }),
    ("legend.comment", Names { ja: "コメントの地点", en: "Comment" }),
    ("rules.now", Names { ja: "この時刻のルール", en: "Rules at this time" }),
    ("seed", Names { ja: "シード", en: "Seed" }),
    ("made_with", Names { ja: "pilotzone で作成", en: "Made with pilotzone" }),
];

/// A KPI the player lists: its key in `kpis.json`, its name, and how it is counted so far
/// from the replay's events, when it is a count of one kind.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct KpiRow {
    /// Dotted key in `kpis.json`.
    pub key: &'static str,
    /// Its name for people, with the unit.
    #[serde(serialize_with = "names")]
    pub names: Names,
    /// The event kind it counts, if it is a count.
    #[serde(serialize_with = "kind_key")]
    pub counts: Option<EventKind>,
    /// Factor from the stored value to the shown one (100 for a share shown in per cent).
    pub scale: f64,
    /// Decimals shown.
    pub digits: u8,
}

/// Names as the page reads them, `{"ja": ..., "en": ...}`.
fn names<S: serde::Serializer>(n: &Names, s: S) -> Result<S::Ok, S::Error> {
    Text::from(*n).serialize(s)
}

fn optional_names<S: serde::Serializer>(n: &Option<Names>, s: S) -> Result<S::Ok, S::Error> {
    n.map(Text::from).serialize(s)
}

/// Every label of [`LABELS`] by key, as the page reads them.
pub fn label_texts() -> BTreeMap<&'static str, Text> {
    LABELS.iter().map(|(k, n)| (*k, Text::from(*n))).collect()
}

fn kind_key<S: serde::Serializer>(kind: &Option<EventKind>, s: S) -> Result<S::Ok, S::Error> {
    match kind {
        Some(k) => s.serialize_str(k.key()),
        None => s.serialize_none(),
    }
}

const fn row(key: &'static str, ja: &'static str, en: &'static str, counts: Option<EventKind>) -> KpiRow {
    KpiRow { key, names: Names { ja, en }, counts, scale: 1.0, digits: 0 }
}

const fn measure(key: &'static str, ja: &'static str, en: &'static str, scale: f64, digits: u8) -> KpiRow {
    KpiRow { key, names: Names { ja, en }, counts: None, scale, digits }
}

/// The KPIs the player lists, in order: service, fleet, safety, residents.
pub const KPI_ROWS: &[KpiRow] = &[
    row("taxi.requests", "配車依頼", "Rides requested", Some(EventKind::Request)),
    row("taxi.served", "送迎完了", "Rides completed", Some(EventKind::Dropoff)),
    row("taxi.rejected", "配車できず", "Requests unserved", Some(EventKind::Reject)),
    measure("taxi.wait_s.mean", "平均待ち時間（秒）", "Mean wait (s)", 1.0, 0),
    measure("taxi.wait_s.p90", "待ち時間の90パーセンタイル（秒）", "Wait, 90th percentile (s)", 1.0, 0),
    measure("taxi.ride_s.mean", "平均乗車時間（秒）", "Mean ride (s)", 1.0, 0),
    measure("taxi.km", "タクシー走行距離（km）", "Taxi distance (km)", 1.0, 1),
    measure("taxi.empty_km", "うち空車（km）", "of it empty (km)", 1.0, 1),
    measure("taxi.utilization", "稼働率（%）", "Utilization (%)", 100.0, 0),
    row("drone.orders", "配送依頼", "Parcels ordered", Some(EventKind::Order)),
    row("drone.delivered", "配達完了", "Parcels delivered", Some(EventKind::Deliver)),
    measure("drone.delivery_s.mean", "平均配達時間（秒）", "Mean delivery time (s)", 1.0, 0),
    measure("drone.km", "ドローン飛行距離（km）", "Drone distance (km)", 1.0, 1),
    measure("drone.home_wait_s", "庭の上空での帰路待ち（秒）", "Hover over gardens waiting to fly home (s)", 1.0, 0),
    measure("drone.longest_home_wait_s", "うち最長の1機（秒）", "of it, the longest by one drone (s)", 1.0, 0),
    row("safety.collisions", "衝突", "Collisions", Some(EventKind::Collision)),
    row("safety.near_misses", "ヒヤリハット", "Near misses", Some(EventKind::NearMiss)),
    row("safety.separation_losses", "間隔の不足", "Losses of separation", Some(EventKind::SeparationLoss)),
    row("safety.nofly_incursions", "飛行禁止空域への侵入", "No-fly incursions", Some(EventKind::NoFlyIncursion)),
    row("safety.speed_violations", "速度超過", "Speeding", Some(EventKind::SpeedViolation)),
    row("safety.building_proximity", "建物への接近", "Too close to a building", Some(EventKind::BuildingProximity)),
    row("safety.gridlocks", "膠着渋滞", "Gridlocks", Some(EventKind::Gridlock)),
    measure("residents.drone_overflight_s", "住宅上空のドローン飛行（秒）", "Drone time over homes (s)", 1.0, 0),
    row("residents.school_passes", "通学時間帯の学校区域の通過", "Passes by the school in school hours", None),
    row("residents.pedestrians_crossed", "道路を横断した人", "People who crossed", None),
];

/// The unit of an incident kind's measured value and limit.
pub fn incident_unit(kind: EventKind) -> Option<Names> {
    match kind {
        EventKind::SpeedViolation => Some(Names { ja: "km/h", en: "km/h" }),
        EventKind::NearMiss => Some(Names { ja: "秒（衝突までの時間）", en: "s to collision" }),
        EventKind::Gridlock => Some(Names { ja: "秒（互いに待った時間）", en: "s waiting on one another" }),
        EventKind::SeparationLoss
        | EventKind::NoFlyIncursion
        | EventKind::BuildingProximity
        | EventKind::AltitudeViolation => Some(Names { ja: "m", en: "m" }),
        _ => None,
    }
}

/// A word of a vocabulary with its key, code and names.
#[derive(Debug, Serialize)]
pub struct Word {
    /// Stable key.
    pub key: &'static str,
    /// Stable code, where the word has one.
    pub code: Option<u8>,
    /// Japanese name.
    pub ja: &'static str,
    /// English name.
    pub en: &'static str,
    /// For event kinds: whether it is a safety incident.
    pub incident: bool,
    /// For incident kinds: the unit of the measured value.
    #[serde(serialize_with = "optional_names")]
    pub unit: Option<Names>,
}

impl Word {
    fn new(key: &'static str, code: Option<u8>, names: Names) -> Self {
        Word { key, code, ja: names.ja, en: names.en, incident: false, unit: None }
    }
}

/// The words the page needs to read a replay and name what it shows.
#[derive(Debug, Serialize)]
pub struct Vocabulary {
    /// Entity kinds, by code.
    pub entity_kinds: Vec<Word>,
    /// Event kinds.
    pub event_kinds: Vec<Word>,
    /// Incident severities.
    pub severities: Vec<Word>,
    /// Roles of comment authors.
    pub roles: Vec<Word>,
}

/// The vocabulary of this build (statuses come with their colours in the scene's legend).
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        entity_kinds: EntityKind::ALL.iter().map(|k| Word::new(k.key(), Some(k.code()), k.names())).collect(),
        event_kinds: EventKind::ALL
            .iter()
            .map(|&k| Word {
                incident: k.is_incident(),
                unit: incident_unit(k),
                ..Word::new(k.key(), Some(k.code()), k.names())
            })
            .collect(),
        severities: Severity::ALL.iter().map(|s| Word::new(s.key(), Some(s.code()), s.names())).collect(),
        roles: Role::ALL.iter().map(|r| Word::new(r.key(), None, r.names())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_label_has_both_texts_once() {
        let keys: BTreeSet<&str> = LABELS.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys.len(), LABELS.len(), "keys are unique");
        for (key, n) in LABELS {
            assert!(!n.ja.trim().is_empty() && !n.en.trim().is_empty(), "{key} has both texts");
        }
        for r in KPI_ROWS {
            assert!(!r.names.ja.is_ascii() && !r.names.en.is_empty(), "{} is named in both languages", r.key);
        }
    }

    /// The script names every label it shows as `t("key")`; each must be in the table.
    #[test]
    fn every_label_the_script_uses_is_in_the_table() {
        let keys: BTreeSet<&str> = LABELS.iter().map(|(k, _)| *k).collect();
        // The scene's own tables (`word.rules`, `zone.park`, ...) reach the page in its legend.
        let scene = pilotzone_scene::labels::all();
        let mut used = BTreeSet::new();
        for source in crate::page::SCRIPTS.iter().chain([&crate::page::TEMPLATE, &crate::page::LIVE_SCRIPT]) {
            for quote in ["t(\"", "data-label=\""] {
                for (at, _) in source.match_indices(quote) {
                    // `t(` alone, not the end of another name such as `corrupt(`.
                    let before = source[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                        continue;
                    }
                    let rest = &source[at + quote.len()..];
                    used.insert(rest.split('"').next().expect("split yields one part"));
                }
            }
        }
        assert!(used.len() > 30, "the scan finds the labels: {used:?}");
        let missing: Vec<&&str> = used.iter().filter(|k| !keys.contains(**k) && !scene.contains_key(**k)).collect();
        assert!(missing.is_empty(), "labels used but not in LABELS: {missing:?}");
        let unused: Vec<&&str> = keys.iter().filter(|k| !used.contains(**k)).collect();
        assert!(unused.is_empty(), "labels in LABELS that nothing uses: {unused:?}");
    }

    #[test]
    fn the_kpi_rows_name_keys_of_a_real_kpis_file() {
        let kpis: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/demo-kpis.json")).expect("the fixture is JSON");
        for r in KPI_ROWS {
            let value = r.key.split('.').try_fold(&kpis, |v, k| v.get(k));
            assert!(value.is_some_and(serde_json::Value::is_number), "{} is a number in kpis.json", r.key);
        }
    }

    #[test]
    fn incident_kinds_carry_units_and_the_rest_do_not() {
        let v = vocabulary();
        let speeding = v.event_kinds.iter().find(|w| w.key == "speed_violation").expect("a kind");
        assert!(speeding.incident && speeding.unit.is_some_and(|u| u.en == "km/h"));
        let pickup = v.event_kinds.iter().find(|w| w.key == "pickup").expect("a kind");
        assert!(!pickup.incident && pickup.unit.is_none());
        assert_eq!(v.entity_kinds.iter().map(|w| w.code).collect::<Vec<_>>(), [Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(v.roles.len(), Role::ALL.len());
    }
}
