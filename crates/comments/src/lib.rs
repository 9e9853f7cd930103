//! One comment model for every people-facing tool: a resident's or an official's words pinned
//! to a place and a moment of a replay under one rule option, with who said it in what role.
//!
//! The desktop viewer writes comments into a sidecar file beside the replay
//! (`replay.comments.json`), the web player shows them, and the deliberation service stores the
//! same records in its database. Everything here is untrusted input on the way in: sizes are
//! bounded, control characters refused, and every problem is named with the path of the field.

mod bookmark;
mod model;
mod sidecar;
mod text;
mod time;

pub use bookmark::{
    BOOKMARKS_FORMAT, BOOKMARKS_VERSION, Bookmark, Bookmarks, CameraPose, MAX_BOOKMARK_NAME_CHARS, MAX_BOOKMARKS,
    bookmarks_path,
};
pub use model::{Comment, CommentId, Hidden, Place, Role};
pub use sidecar::{CommentError, NewComment, Sidecar, SidecarProblem, sidecar_path};
pub use text::{MAX_AUTHOR_CHARS, MAX_REASON_CHARS, MAX_TEXT_CHARS, TextProblem, check_line, check_text};
pub use time::{Timestamp, TimestampError};

/// Name of the sidecar format, written into every file so a stray JSON file is not taken for one.
pub const FORMAT: &str = "pilotzone-comments";
/// Sidecar format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
/// Largest sidecar file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// Most comments one sidecar holds.
pub const MAX_COMMENTS: usize = 100_000;
