//! The viewer's words in Japanese and English, one table, and the Japanese font egui needs
//! (its own fonts have no kana or kanji, which would show as boxes).

use pilotzone_replay::Lang;

/// IPAex Gothic (IPA Font License v1.0, `assets/fonts/`), made by `scripts/fetch-fonts.sh`.
pub const JAPANESE_FONT: &[u8] = include_bytes!("../../../assets/fonts/ipaexg.ttf");

/// Every label: key, Japanese, English.
const LABELS: &[(&str, &str, &str)] = &[
    ("app.title", "pilotzone 特区ビューア", "pilotzone zone viewer"),
    ("play", "再生", "Play"),
    ("pause", "一時停止", "Pause"),
    ("backwards", "逆再生", "Backwards"),
    ("forwards", "順再生", "Forwards"),
    ("step.back", "1コマ戻る", "Step back"),
    ("step.forward", "1コマ進む", "Step forward"),
    ("speed", "速度", "Speed"),
    ("clock", "時刻", "Time"),
    ("incidents", "インシデント", "Incidents"),
    ("incidents.none", "この運行ではインシデントはありません。", "No incidents in this run."),
    ("incident.rule", "ルール", "Rule"),
    ("incident.measured", "測定値", "Measured"),
    ("incident.limit", "上限", "Limit"),
    ("incident.near", "付近", "Near"),
    ("kpi", "指標（この時刻まで）", "KPIs (so far)"),
    ("kpi.requested", "配車依頼", "Rides requested"),
    ("kpi.picked_up", "乗車済み", "Riders picked up"),
    ("kpi.served", "降車済み", "Rides completed"),
    ("kpi.rejected", "配車できず", "Requests unserved"),
    ("kpi.mean_wait", "平均待ち時間", "Mean wait"),
    ("kpi.taxis_busy", "稼働中のタクシー", "Taxis on a job"),
    ("kpi.taxis_charging", "充電中のタクシー", "Taxis charging"),
    ("kpi.drones_flying", "飛行中のドローン", "Drones in the air"),
    ("kpi.drones_holding", "うち帰路待ちでホバリング", "of them hovering to fly home"),
    ("kpi.delivered", "配達完了", "Parcels delivered"),
    ("kpi.people_on_street", "横断中・横断待ちの人", "People crossing or waiting"),
    ("kpi.incidents", "インシデント（種類別）", "Incidents by kind"),
    ("chart.rides", "10分ごとの乗車数", "Pickups per 10 minutes"),
    ("chart.incidents", "10分ごとのインシデント", "Incidents per 10 minutes"),
    ("legend", "凡例", "Legend"),
    ("nofly.active", "飛行禁止（現在有効）", "No-fly (in force now)"),
    ("view.top", "真上から", "Top-down"),
    ("view.orbit", "立体", "3D"),
    ("view.follow", "追跡", "Follow"),
    ("view.follow.stop", "追跡をやめる", "Stop following"),
    ("present", "発表モード", "Presentation"),
    ("language", "English", "日本語"),
    ("damaged", "このリプレイは途中で壊れています", "This replay is damaged"),
    ("attribution", "地図データ", "Map data"),
    (
        "keys",
        "操作: Space 再生/停止 · ←→ 1コマ · Shift+←→ 1分 · [ ] 速度 · B 逆再生 · N 次のインシデント · M しおり · T 真上 · L 言語 · P 発表",
        "Keys: Space play/pause · ←→ step · Shift+←→ 1 min · [ ] speed · B backwards · N next incident · M bookmark · T top-down · L language · P presentation",
    ),
    ("selected", "選択中", "Selected"),
    ("status", "状態", "Status"),
    ("height", "高度", "Height"),
    ("speed.now", "速度", "Speed"),
    ("comments", "コメント", "Comments"),
    ("comment.add", "＋ 場所を選んでコメント", "+ Comment at a place"),
    ("comment.placing", "地図上の場所をクリック…", "Click a place on the map…"),
    ("comment.new", "新しいコメント", "New comment"),
    ("comment.reply_to", "返信先", "Reply to"),
    ("comment.reply", "返信", "Reply"),
    ("comment.author", "お名前（ニックネーム可）", "Name (a pseudonym is fine)"),
    ("comment.role", "立場", "Role"),
    (
        "comment.hint",
        "この場所・この時刻について気になることを書いてください",
        "What about this place and moment concerns you?",
    ),
    ("comment.save", "保存", "Save"),
    ("comment.cancel", "取り消し", "Cancel"),
    ("comment.export", "一覧を書き出す (CSV)", "Export list (CSV)"),
    ("comment.none", "まだコメントはありません。", "No comments yet."),
    ("comment.hidden", "非表示", "hidden"),
    (
        "comments.unreadable",
        "コメントファイルを読めません（そのまま残し、新しいコメントの保存時に別名で保管します）",
        "The comments file cannot be read (it is kept; saving a new comment sets it aside under another name)",
    ),
    ("comments.set_aside", "読めなかったコメントファイルの保管先", "The unreadable comments file was kept as"),
    ("bookmarks", "しおり", "Bookmarks"),
    ("bookmarks.none", "しおりはまだありません。", "No bookmarks yet."),
    ("bookmarks.unreadable", "しおりファイルを読めません", "The bookmarks file cannot be read"),
    ("bookmark.add", "＋ この時刻をしおりに", "+ Bookmark this moment"),
    ("bookmark.name", "しおりの名前", "Bookmark name"),
    ("tour", "ツアー（インシデントとしおりを順に）", "Tour (incidents and bookmarks in turn)"),
    ("tour.stop", "ツアーを止める", "Stop the tour"),
    ("compare", "比較", "Compare"),
    ("compare.side", "左右に並べる", "Side by side"),
    ("compare.overlay", "重ねる", "Overlay"),
    ("compare.ghost", "半透明は比較案", "Translucent: the compared option"),
    ("compare.kpis", "指標の差（この時刻まで）", "KPI differences (so far)"),
    ("compare.study", "調査全体の比較（シード対応の差と95%区間）", "Whole study (paired by seed, 95 % interval)"),
    (
        "compare.study.none",
        "この2つの運行は同じ調査の別案ではありません。",
        "These two runs are not two options of one study.",
    ),
    ("compare.same", "件の指標はすべての組で同じ（非表示）", "KPIs equal in every pair (not shown)"),
    ("compare.kpi", "指標", "KPI"),
    ("compare.difference", "差", "Difference"),
    ("compare.interval", "95%区間", "95 % interval"),
    ("option", "ルール案", "Rule option"),
    ("live", "ライブ実行中", "Live run"),
    ("live.done", "実行完了、保存先", "Run finished, saved to"),
    ("live.failed", "実行が止まりました", "The run stopped"),
    ("live.no_comments", "コメントは実行完了後に付けられます", "Comments can be added once the run has finished"),
    ("whatif", "もしも（ルールを変えて再実行）", "What if (change a rule and re-run)"),
    ("whatif.run", "この条件で実行して比較", "Run it and compare"),
    ("whatif.running", "実行中", "Running"),
    ("whatif.speed", "制限速度 (km/h)", "Speed limit (km/h)"),
    ("whatif.hours", "時間帯", "Hours"),
    ("whatif.enabled", "有効", "In force"),
    ("whatif.nofly", "飛行禁止区域", "No-fly volume"),
    ("open.dropped", "開きました", "Opened"),
    ("open.failed", "開けません", "Cannot open"),
];

/// The label `key` in `lang`; the key itself if it is missing (a test makes that a failure).
pub fn t(key: &str, lang: Lang) -> &str {
    LABELS.iter().find(|(k, _, _)| *k == key).map_or(key, |(_, ja, en)| if lang == Lang::Ja { ja } else { en })
}

/// `HH:MM:SS` of a time of day given in seconds after midnight (wrapping past midnight).
pub fn clock(time_of_day_s: u64) -> String {
    let s = time_of_day_s % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages_and_a_unique_key() {
        let mut keys: Vec<&str> = LABELS.iter().map(|l| l.0).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), LABELS.len(), "keys are unique");
        for (key, ja, en) in LABELS {
            assert!(!ja.is_empty() && !en.is_empty(), "{key}");
            // The language switch names the other language; every other label is in its own.
            if *key != "language" {
                assert!(!ja.is_ascii(), "{key}: the Japanese label is Japanese: {ja}");
            }
        }
        assert_eq!(t("play", Lang::Ja), "再生");
        assert_eq!(t("play", Lang::En), "Play");
    }

    #[test]
    fn clocks_print_past_midnight() {
        assert_eq!(clock(7 * 3600 + 30 * 60 + 5), "07:30:05");
        assert_eq!(clock(86_400 + 60), "00:01:00");
    }

    #[test]
    fn the_japanese_font_is_a_truetype_file() {
        assert!(JAPANESE_FONT.len() > 1_000_000, "the whole font, not a subset");
        assert_eq!(&JAPANESE_FONT[..4], &[0, 1, 0, 0], "TrueType magic");
    }
}
