//! The live line of a wait: spinner, state, elapsed time. On stderr and only when stderr is a
//! terminal, so a script's output and a log file never fill with redraws.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Line {
    bar: Option<ProgressBar>,
    what: String,
}

impl Line {
    /// A line for `what` ("sale 7f3b…"); hidden when stderr is not a terminal.
    pub fn start(what: String) -> Line {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {msg}  {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let line = Line { bar, what };
        line.show("sending", "");
        line
    }

    /// Shows the latest state, and a hint for the person watching.
    pub fn show(&self, state: &str, hint: &str) {
        if let Some(bar) = &self.bar {
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!("  ({hint})")
            };
            bar.set_message(format!("{}: {state}{hint}", self.what));
        }
    }

    /// Prints a remark above the line (or plainly when there is no line).
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("mppoint: {text}")),
            None => eprintln!("mppoint: {text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.finish();
    }
}
