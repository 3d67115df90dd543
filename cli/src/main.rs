//! `mppoint`, the technician's and support's tool: every call of the library from a shell,
//! built on the Rust core (not on the C ABI). `mppoint --help` is its manual.

mod args;
mod commands;
mod journal;
mod output;
mod progress;
mod text;
mod waits;

use std::process::ExitCode;

use clap::error::ErrorKind as ClapErrorKind;
use clap::Parser;
use mppoint::{Client, Config, Site};
use serde_json::{json, Map, Value};

use args::{ApiName, Cli, Command, Global, SiteName};
use output::{Exit, Failure, Outcome, Output};

/// The environment variable that holds the access token; never a flag, so the token stays
/// out of shell histories and process lists.
const TOKEN_VARIABLE: &str = "MP_ACCESS_TOKEN";

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
    let site = cli.global.site.map(site_of);
    match &cli.command {
        // Reads the file only: no token, no client (whose journal would apply its own
        // retention to the POS's file).
        Command::Journal { pending } => journal::list(&cli.global, *pending, out),
        command => {
            let client = client(&cli.global)?;
            let context = Context { client, out, site };
            commands::run(&context, command)
        }
    }
}

/// What every command that talks to the service gets.
pub struct Context {
    pub client: Client,
    pub out: Output,
    pub site: Option<Site>,
}

pub fn site_of(site: SiteName) -> Site {
    match site {
        SiteName::Mla => Site::Argentina,
        SiteName::Mlb => Site::Brazil,
        SiteName::Mlm => Site::Mexico,
        SiteName::Mlc => Site::Chile,
    }
}

/// The client of the global options, checked by the library as the POS's options are.
fn client(global: &Global) -> Outcome<Client> {
    let token = std::env::var(TOKEN_VARIABLE).unwrap_or_default();
    if token.trim().is_empty() {
        return Err(Failure::usage(format!(
            "set {TOKEN_VARIABLE} to the account's access token (APP_USR-... or TEST-...)"
        )));
    }
    let mut options = Map::new();
    options.insert("access_token".into(), token.into());
    let api = match global.api {
        ApiName::Integration => "integration",
        ApiName::Orders => "orders",
    };
    options.insert("api".into(), api.into());
    if let Some(url) = &global.base_url {
        options.insert("base_url".into(), url.as_str().into());
    }
    if let Some(site) = global.site {
        options.insert("site".into(), json!(site_of(site)));
    }
    if let Some(path) = &global.journal {
        options.insert("journal_path".into(), path.as_str().into());
    }
    if global.sandbox {
        options.insert("test_scope".into(), "sandbox".into());
    }
    options.insert("poll_interval_ms".into(), global.poll_interval_ms.into());
    options.insert(
        "user_agent".into(),
        format!("mppoint-cli/{}", env!("CARGO_PKG_VERSION")).into(),
    );
    let config = Config::from_json(&Value::Object(options).to_string())?;
    Ok(Client::new(config)?)
}
