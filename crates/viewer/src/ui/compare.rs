//! The whole study behind two compared runs: when both are options of one study, the paired
//! differences of every KPI over its seeds with their 95 % intervals, computed and printed by the
//! study crate exactly as `pilotzone compare` prints them.

use std::path::{Path, PathBuf};

use bevy_egui::egui;
use pilotzone_replay::Lang;
use pilotzone_study::{ComparisonLine, Manifest, Table, comparison_lines};

use crate::agents::Shown;
use crate::i18n::t;
use crate::source::study_of;

/// A study's paired comparison of two of its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyComparison {
    /// The study folder.
    pub dir: PathBuf,
    /// The main run's option (the baseline).
    pub baseline: String,
    /// The compared run's option.
    pub variant: String,
    /// KPIs that differ, as `pilotzone compare` prints them.
    pub lines: Vec<ComparisonLine>,
    /// KPIs equal in every pair (not listed).
    pub same: usize,
}

/// The comparison of the options two replays ran under, from `study` or, when none is given,
/// from the study both replays lie in. `Ok(None)` when they are not two options of one study.
pub fn study_comparison(main: &Path, other: &Path, study: Option<&Path>) -> Result<Option<StudyComparison>, String> {
    let (a, b) = (study_of(main), study_of(other));
    let (dir, baseline, variant) = match (study, a, b) {
        (Some(dir), Some((da, oa)), Some((db, ob))) => {
            let same = |d: &Path| d.canonicalize().ok() == dir.canonicalize().ok();
            if !same(&da) || !same(&db) {
                return Err(format!(
                    "--study {}: the compared runs are not both in it ({} and {})",
                    dir.display(),
                    da.display(),
                    db.display()
                ));
            }
            (dir.to_owned(), oa, ob)
        }
        (Some(dir), _, _) => {
            return Err(format!(
                "--study {}: open two runs of it (STUDY/runs/OPTION/SEED) to see their paired differences",
                dir.display()
            ));
        }
        (None, Some((da, oa)), Some((db, ob))) if da == db => (da, oa, ob),
        _ => return Ok(None),
    };
    if baseline == variant {
        return Ok(None);
    }
    let manifest = Manifest::read(&dir).map_err(|e| e.to_string())?;
    let table = Table::load(manifest, std::slice::from_ref(&dir)).map_err(|e| e.to_string())?;
    let rows = table.compare(&baseline, &variant).map_err(|e| e.to_string())?;
    let (lines, same) = comparison_lines(&rows);
    Ok(Some(StudyComparison { dir, baseline, variant, lines, same }))
}

/// Draws the study's comparison, or says why there is none.
pub fn study(ui: &mut egui::Ui, lang: Lang, shown: &Shown) {
    let c = match &shown.study {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::from_rgb(0xd5, 0x5e, 0x00), format!("⚠ {e}"));
            return;
        }
        None => {
            ui.label(egui::RichText::new(t("compare.study.none", lang)).weak());
            return;
        }
    };
    ui.label(egui::RichText::new(format!("{} − {} · {}", c.variant, c.baseline, c.dir.display())).small());
    egui::ScrollArea::horizontal().id_salt("study-compare").show(ui, |ui| {
        egui::Grid::new("study-compare-grid").num_columns(5).striped(true).show(ui, |ui| {
            for head in [
                t("compare.kpi", lang),
                &c.baseline,
                &c.variant,
                t("compare.difference", lang),
                t("compare.interval", lang),
            ] {
                ui.label(egui::RichText::new(head).strong());
            }
            ui.end_row();
            for l in &c.lines {
                ui.label(egui::RichText::new(&l.kpi).monospace());
                ui.label(&l.baseline);
                ui.label(&l.variant);
                ui.label(egui::RichText::new(&l.difference).strong());
                ui.label(&l.interval);
                ui.end_row();
            }
        });
    });
    ui.label(egui::RichText::new(format!("({} {})", c.same, t("compare.same", lang))).small().weak());
}
