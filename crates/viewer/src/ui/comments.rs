//! Comments in the room: pick a place on the map at the moment shown, write who you are, your
//! role and what worries you; the comment is saved beside the replay at once (atomically) and
//! shown as a pin on the map and a tick on the timeline. Replies make threads.

use bevy_egui::egui;
use pilotzone_comments::{NewComment, Place, Role, Sidecar, Timestamp, sidecar_path};
use pilotzone_replay::Lang;

use crate::agents::{Run, Shown};
use crate::i18n::{clock, t};
use crate::playback::Playback;

/// A comment being written.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    /// The run it is on: 0 the main one, 1 the compared one.
    pub run: usize,
    /// Where, plan metres.
    pub place: [f64; 2],
    /// When, ms since the start.
    pub t_ms: u64,
    /// The comment it answers.
    pub reply_to: Option<u64>,
    /// Name or pseudonym.
    pub author: String,
    /// Role.
    pub role: Option<Role>,
    /// The words.
    pub text: String,
}

/// The comments part of the panels' state.
#[derive(Debug, Default)]
pub struct CommentUi {
    /// The next click on the map pins a new comment there.
    pub placing: bool,
    /// The comment being written.
    pub draft: Option<Draft>,
    /// The author's name and role, kept for their next comment.
    pub last_author: (String, Option<Role>),
    /// What the last save or export said.
    pub status: Option<String>,
}

/// Saves a draft as a comment on `run`: checked, then written atomically beside its replay;
/// returns where it went.
pub fn save(run: &mut Run, draft: &Draft, lang: Lang) -> Result<String, String> {
    let new = NewComment {
        reply_to: draft.reply_to,
        option: run.opened.option.clone(),
        seed: Some(run.opened.cursor.replay().header().seed),
        t_ms: draft.t_ms,
        place: Place { x_m: draft.place[0], y_m: draft.place[1] },
        author: draft.author.clone(),
        role: draft.role.ok_or_else(|| "role: choose one / 立場を選んでください".to_owned())?,
        text: draft.text.clone(),
    };
    // Saved on a copy first: the shown comments change only once the file has them.
    let mut next: Sidecar = run.opened.comments.clone();
    next.add(new, Timestamp::now()).map_err(|e| e.to_string())?;
    let path = sidecar_path(&run.opened.file);
    // A file that could not be read keeps its place until now; it is moved aside whole, never
    // written over, so whatever it held can still be recovered.
    let mut kept = String::new();
    if run.opened.comments_problem.is_some() && path.exists() {
        let aside = Sidecar::set_aside(&path).map_err(|e| e.to_string())?;
        kept = format!(" · {} {}", t("comments.set_aside", lang), aside.display());
    }
    next.write(&path).map_err(|e| e.to_string())?;
    run.opened.comments = next;
    run.opened.comments_problem = None;
    Ok(format!("{}{kept}", path.display()))
}

/// The form for the comment being written, in a window of its own.
pub fn form(ctx: &egui::Context, lang: Lang, ui_state: &mut CommentUi, shown: &mut Shown) {
    let Some(mut draft) = ui_state.draft.take() else { return };
    let start_s = u64::from(shown.main.opened.scene.start_s);
    let mut open = true;
    let mut done = false;
    egui::Window::new(t("comment.new", lang)).collapsible(false).open(&mut open).show(ctx, |ui| {
        ui.label(format!(
            "{} {} · ({:.0}, {:.0}) m",
            t("clock", lang),
            clock(start_s + draft.t_ms / 1000),
            draft.place[0],
            draft.place[1]
        ));
        if let Some(run) = shown.run(draft.run).filter(|_| shown.other.is_some()) {
            ui.label(format!("{}: {}", t("option", lang), run.opened.option));
        }
        if let Some(to) = draft.reply_to {
            ui.label(format!("{} #{to}", t("comment.reply_to", lang)));
        }
        ui.horizontal(|ui| {
            ui.label(t("comment.author", lang));
            ui.add(egui::TextEdit::singleline(&mut draft.author).char_limit(pilotzone_comments::MAX_AUTHOR_CHARS));
        });
        ui.horizontal(|ui| {
            ui.label(t("comment.role", lang));
            for role in Role::ALL {
                ui.selectable_value(&mut draft.role, Some(role), role.name(lang));
            }
        });
        ui.add(
            egui::TextEdit::multiline(&mut draft.text)
                .hint_text(t("comment.hint", lang))
                .char_limit(pilotzone_comments::MAX_TEXT_CHARS)
                .desired_rows(4),
        );
        ui.horizontal(|ui| {
            if ui.button(t("comment.save", lang)).clicked() {
                let saved = shown.run_mut(draft.run).ok_or_else(|| "the run is closed".to_owned());
                match saved.and_then(|run| save(run, &draft, lang)) {
                    Ok(path) => {
                        ui_state.status = Some(format!("✔ {path}"));
                        ui_state.last_author = (draft.author.clone(), draft.role);
                        done = true;
                    }
                    Err(e) => ui_state.status = Some(format!("✘ {e}")),
                }
            }
            if ui.button(t("comment.cancel", lang)).clicked() {
                done = true;
            }
        });
        if let Some(s) = &ui_state.status {
            ui.label(egui::RichText::new(s).small());
        }
    });
    if open && !done {
        ui_state.draft = Some(draft);
    }
}

/// Starts a draft at `place` and the time shown, with the last author's name and role.
pub fn start(ui_state: &mut CommentUi, run: usize, place: [f64; 2], playback: &Playback, reply_to: Option<u64>) {
    ui_state.placing = false;
    ui_state.status = None;
    ui_state.draft = Some(Draft {
        run,
        place,
        t_ms: playback.t_ms(),
        reply_to,
        author: ui_state.last_author.0.clone(),
        role: ui_state.last_author.1,
        text: String::new(),
    });
}

/// The comment list: threads by moment; a click goes to the comment's moment and place.
/// Returns the comment to jump to, if one was clicked.
pub fn list(
    ui: &mut egui::Ui,
    lang: Lang,
    ui_state: &mut CommentUi,
    shown: &Shown,
    playback: &Playback,
    live: bool,
) -> Option<(u64, [f64; 2])> {
    let mut jump = None;
    if live {
        ui.label(egui::RichText::new(t("live.no_comments", lang)).weak());
        return None;
    }
    ui.horizontal(|ui| {
        let label = if ui_state.placing { t("comment.placing", lang) } else { t("comment.add", lang) };
        ui.toggle_value(&mut ui_state.placing, label);
        if ui.button(t("comment.export", lang)).clicked() {
            let path = shown.main.opened.file.with_extension("comments.csv");
            ui_state.status = Some(match crate::write_atomic(&path, &shown.main.opened.comments.to_csv()) {
                Ok(()) => format!("✔ {}", path.display()),
                Err(e) => format!("✘ {}: {e}", path.display()),
            });
        }
    });
    let start_s = u64::from(shown.main.opened.scene.start_s);
    let threads = shown.main.opened.comments.threads();
    if threads.is_empty() {
        ui.label(egui::RichText::new(t("comment.none", lang)).weak());
    }
    let mut reply = None;
    egui::ScrollArea::vertical().id_salt("comments").max_height(240.0).show(ui, |ui| {
        for (c, depth) in threads {
            ui.horizontal(|ui| {
                ui.add_space(16.0 * depth.min(6) as f32);
                ui.vertical(|ui| {
                    let head = format!("{} · {} · {}", clock(start_s + c.t_ms / 1000), c.author, c.role.name(lang));
                    if ui.link(head).clicked() {
                        jump = Some((c.t_ms, [c.place.x_m, c.place.y_m]));
                    }
                    if let Some(h) = &c.hidden {
                        ui.label(egui::RichText::new(format!("({} — {})", t("comment.hidden", lang), h.reason)).weak());
                    } else {
                        // Residents' words are shown as text; nothing in them is interpreted.
                        ui.label(&c.text);
                    }
                    if ui.small_button(t("comment.reply", lang)).clicked() {
                        reply = Some((c.id, [c.place.x_m, c.place.y_m]));
                    }
                });
            });
        }
    });
    if let Some((id, place)) = reply {
        start(ui_state, 0, place, playback, Some(id));
    }
    if let Some(s) = &ui_state.status {
        ui.label(egui::RichText::new(s).small());
    }
    jump
}
