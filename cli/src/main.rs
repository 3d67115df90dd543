//! `mppoint`, the technician's and support's tool: every call of the library from a shell,
//! built on the Rust core (not on the C ABI). `mppoint --help` is its manual.

mod args;
mod commands;
mod context;
mod devices;
mod holds;
mod journal;
mod output;
mod progress;
mod text;
mod waits;

use std::process::ExitCode;

use args::{Cli, Command};
use clap::error::ErrorKind as ClapErrorKind;
use clap::Parser;
use context::Context;
use output::{Exit, Failure, Outcome, Output};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e).into(),
    };
    let out = Output {
        json: cli.global.json,
    };
    match run(&cli, out) {
        Ok(exit) => exit.into(),
        Err(failure) => out.failure(&failure).into(),
    }
}

/// clap's own errors: help and version are not errors; with --json a usage error is a JSON
/// document too.
fn usage_error(e: clap::Error) -> Exit {
    if matches!(
        e.kind(),
        ClapErrorKind::DisplayHelp
            | ClapErrorKind::DisplayVersion
            | ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            Exit::Usage
        } else {
            Exit::Ok
        };
    }
    if std::env::args().any(|a| a == "--json") {
        // clap's first line names the argument; the rest (usage, tips) is for a person.
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        let message = first.trim_start_matches("error: ").to_owned();
        return Output { json: true }.failure(&Failure::usage(message));
    }
    let _ = e.print();
    Exit::Usage
}

fn run(cli: &Cli, out: Output) -> Outcome<Exit> {
    match &cli.command {
        // Reads the file only: no token, no client (whose journal would apply its own
        // retention to the POS's file).
        Command::Journal { pending } => return journal::list(&cli.global, *pending, out),
        // They act on the POS's journal: a mistyped path must not become a new, empty one
        // (the client creates a missing journal).
        Command::Recover { .. } => journal::existing(&cli.global, "recover")?,
        Command::Ack { .. } => journal::existing(&cli.global, "ack")?,
        Command::Holds { .. } => journal::existing(&cli.global, "holds")?,
        Command::Clear { .. } => journal::existing(&cli.global, "clear")?,
        _ => {}
    }
    commands::run(&Context::new(&cli.global, out)?, &cli.command)
}
