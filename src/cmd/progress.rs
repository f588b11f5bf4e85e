//! A progress bar on a terminal while a long first scan reads a folder. Elsewhere
//! (journald, a pipe, a file) the sync's own log lines give plain counts.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nudger::sync::Progress;

/// Folders smaller than this are read too quickly for a bar to help.
const MIN_FOR_BAR: usize = 2_000;

/// The one bar of the process, so that log lines can step around it.
static BAR: OnceLock<ProgressBar> = OnceLock::new();

/// Under systemd, stderr goes to the journal, which stamps every line itself.
pub fn under_journald() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some()
}

/// A bar on stderr when it is a terminal, else nothing.
pub fn for_terminal() -> Option<Bar> {
    if !std::io::stderr().is_terminal() || under_journald() {
        return None;
    }
    let bar = BAR
        .get_or_init(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()))
        .clone();
    bar.set_style(
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} messages, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(Bar {
        bar,
        shown: AtomicBool::new(false),
    })
}

pub struct Bar {
    bar: ProgressBar,
    /// Whether the folder being read is big enough to show.
    shown: AtomicBool,
}

impl Progress for Bar {
    fn reading(&self, folder: &str, total: usize) {
        let show = total >= MIN_FOR_BAR;
        self.shown.store(show, Ordering::Relaxed);
        if show {
            self.bar.set_length(total as u64);
            self.bar.set_message(folder.to_string());
            self.bar.reset();
        }
    }

    fn read(&self, n: usize) {
        if self.shown.load(Ordering::Relaxed) {
            self.bar.inc(n as u64);
        }
    }

    fn done(&self) {
        if self.shown.swap(false, Ordering::Relaxed) {
            self.bar.finish_and_clear();
        }
    }
}

/// Log lines on stderr, written while the bar (if any) is hidden so they do not
/// tear it.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match BAR.get() {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
