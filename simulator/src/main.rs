//! `point-sim`: runs the simulator of the Point Integration API and the Orders API until
//! killed.
//!
//! Its flags are the fields of [`Cli`], each declared once with its help; clap parses them
//! (`--flag value` and `--flag=value` alike) and writes `--help` from them, followed by the
//! routes, amounts and outcomes the simulator answers with.

use std::ffi::OsString;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::NonEmptyStringValueParser;
use clap::Parser;
use point_sim::{SimConfig, Simulator, SITES};

/// The command line: one field per flag.
#[derive(Debug, Parser)]
#[command(
    name = "point-sim",
    about = "point-sim: offline simulator of Mercado Pago's Point Integration API and Orders API
(both at once, on the same virtual terminals).
Options with a value also take it as --flag=value.",
    after_help = after_help(),
    // The help is laid out by hand, in tables wider than a narrow terminal.
    term_width = 0,
    // A flag given twice takes its last value, as it always has: a script may append a
    // flag to override one it was given.
    args_override_self = true,
)]
struct Cli {
    /// IP address or host name to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1",
          value_parser = NonEmptyStringValueParser::new())]
    bind: String,

    /// TCP port (0 picks a free port)
    #[arg(long, value_name = "N", default_value_t = 8080)]
    port: u16,

    /// once listening, write the port number and a newline to PATH
    /// (written to PATH.tmp, then renamed, so readers never see half)
    #[arg(long, value_name = "PATH", verbatim_doc_comment)]
    port_file: Option<PathBuf>,

    /// milliseconds between automatic intent steps
    #[arg(long, value_name = "N", default_value_t = SimConfig::default().step_ms)]
    step_ms: u64,

    /// site whose amount limits and currency apply, and the Orders
    /// API's country and amount format (MLC is Chile: CLP, integer
    /// amounts)
    #[arg(long, value_name = "MLA|MLB|MLM|MLC", default_value_t = SimConfig::default().site,
          value_parser = site, verbatim_doc_comment)]
    site: String,

    /// accept only `Authorization: Bearer TOKEN`
    /// (default: any non-empty Bearer token)
    #[arg(long, value_name = "TOKEN", value_parser = NonEmptyStringValueParser::new(),
          verbatim_doc_comment)]
    access_token: Option<String>,

    /// nothing moves by itself: the virtual terminal (the page at /,
    /// or the control API below) presses the green key, presents a
    /// card or cancels
    #[arg(long, verbatim_doc_comment)]
    manual: bool,

    /// an intent or refund not final N ms after creation becomes
    /// ABANDONED, an order expired (either mode; default: never,
    /// orders expire at their expiration_time, PT15M by default)
    #[arg(long, value_name = "N", value_parser = positive_ms, verbatim_doc_comment)]
    abandon_after_ms: Option<u64>,

    /// enforce the documented limit of one GET /payment-intents/{id}
    /// per second per intent: 429 with `Retry-After: 1` beyond it
    #[arg(long, verbatim_doc_comment)]
    strict_rate_limit: bool,

    /// also send webhooks in today's signed format (x-signature,
    /// HMAC-SHA256 keyed with SECRET)
    #[arg(long, value_name = "SECRET", value_parser = NonEmptyStringValueParser::new(),
          verbatim_doc_comment)]
    webhook_secret: Option<String>,

    /// POST every order status change to URL, signed with the
    /// --webhook-secret (required with it), at
    /// URL?data.id=<ORD...>&type=order (the real one is set in
    /// Mercado Pago's developer panel)
    #[arg(long, value_name = "URL", requires = "webhook_secret",
          value_parser = NonEmptyStringValueParser::new(), verbatim_doc_comment)]
    orders_webhook_url: Option<String>,

    /// sign an order's data.id lower-cased, as the developer docs
    /// describe (default: as sent, upper case, as the official SDKs
    /// since mid-2026 expect)
    #[arg(long, verbatim_doc_comment)]
    orders_webhook_lowercase_id: bool,
}

/// `--site`: a site the simulator knows, in any case.
fn site(value: &str) -> Result<String, String> {
    let site = value.to_ascii_uppercase();
    match point_sim::amount_limits(&site) {
        Some(_) => Ok(site),
        None => Err("expected MLA, MLB, MLM or MLC".into()),
    }
}

/// `--abandon-after-ms`: a positive whole number of milliseconds.
fn positive_ms(value: &str) -> Result<u64, String> {
    value
        .parse()
        .ok()
        .filter(|&ms| ms > 0)
        .ok_or_else(|| "not a positive whole number of milliseconds".into())
}

/// What `--help` shows after the flags: the amounts, outcomes, routes and terminals.
fn after_help() -> String {
    let sites: String = SITES
        .iter()
        .map(|(code, min, max)| format!("    {code}  {min} .. {max}\n"))
        .collect();
    format!(
        "Amount limits per site, in minor units (1500 = 15.00), inclusive:
{sites}
Payment intents move by themselves (unless --manual), one step every --step-ms after
creation: OPEN -> ON_TERMINAL -> PROCESSING -> PROCESSED -> final state.
The API cancels only an OPEN intent (409 \"payment intent is blocked by terminal\" once it
is ON_TERMINAL); the terminal's cancel button works while OPEN or ON_TERMINAL.
The amount picks the outcome (the sandbox's table, plus two simulator-only amounts):
    1100       FINISHED, payment.state \"refunded\" (the sandbox's \"reversed\")
    1200       FINISHED, payment.state \"rejected\"
    1300       ERROR, no payment
    1800       CONFIRMATION_REQUIRED, payment.state \"\" (simulator only)
    1900       ABANDONED after ON_TERMINAL, no payment (simulator only)
    any other  FINISHED, payment.state \"approved\"
The payment (id a numeric string, from \"20000000001\" up) appears at PROCESSED;
its state is set at the final step. In --manual mode the card picks the outcome.

Routes, under /point/integration-api, all needing `Authorization: Bearer <token>`:
  GET    /devices?store_id=&pos_id=&limit=&offset=    list virtual devices (limit 1..50)
  PATCH  /devices/{{device_id}}                         {{\"operating_mode\":\"PDV\"|\"STANDALONE\"}}
  POST   /devices/{{device_id}}/payment-intents         create (201); honours X-Idempotency-Key
  DELETE /devices/{{device_id}}/payment-intents/{{id}}    cancel, only while OPEN
  GET    /payment-intents/{{id}}                        the intent and its payment
  GET    /payment-intents/{{id}}/events                 its latest state change
  GET    /payment-intents/events?startDate=&endDate=  latest change of each intent changed in
                                                      [startDate, endDate] (YYYY-MM-DD, UTC, <= 30 days)
  POST   /devices/{{device_id}}/refund                  {{\"payment_id\":\"<digits>\",\"additional_info\":{{..}}}}
                                                      refund intent (201); honours X-Idempotency-Key;
                                                      404 unknown payment, 400 not approved or
                                                      already refunded, 409 device busy
  GET    /refund/{{id}}                                 {{id, device_id, payment_id, state, additional_info}}
  DELETE /devices/{{device_id}}/refund/{{id}}             cancel a refund, only while OPEN
  GET    /integrators                                 token (the webhook HMAC secret), webhook
  PATCH  /integrators                                 {{\"webhook\":\"http(s)://...\"}} (204)
  POST   /integrators/check                           challenge the webhook (204 if it answers)
A refund intent moves like a payment intent (automatically it always completes); when it
FINISHES approved, its payment becomes \"refunded\" in the Payments API.

Other Mercado Pago routes, at their real paths, same Bearer token:
  GET    /v1/payments/{{id}}                            a payment the simulator made (amounts as
                                                      decimals: 15.0 for 1500), status approved,
                                                      rejected, refunded or in_process
  POST   /users/test_user                             {{\"site_id\":\"MLA\"}} -> a test user (201)

Orders API for Point, at its real paths, same Bearer token; errors as
{{\"errors\":[{{\"code\",\"message\"}}]}} (401: {{\"code\":\"unauthorized\",\"message\"}}):
  GET    /terminals/v1/list?store_id=&pos_id=&limit=&offset=
                                                      {{data:{{terminals:[..]}}, paging}}; limit 1..50
                                                      (default 50, larger clamped)
  PATCH  /terminals/v1/setup                          {{\"terminals\":[{{\"id\",\"operating_mode\":\"PDV\"|
                                                      \"STANDALONE\"}}]}}, echoed (200)
  POST   /v1/orders                                   create (201); X-Idempotency-Key required
                                                      (400 empty_required_header); same key and
                                                      body: the same order; another body: 409
                                                      idempotency_key_already_used; 409
                                                      already_queued_order_for_terminal when the
                                                      terminal holds an order, intent or refund
  GET    /v1/orders/{{id}}                              the order (id: ORD + 26 characters)
  POST   /v1/orders/{{id}}/cancel                       only while created (200); 409
                                                      cannot_cancel_order at_terminal or later,
                                                      order_already_canceled; key required
  POST   /v1/orders/{{id}}/refund                       only processed; no body: total (refunded),
                                                      {{\"transactions\":[{{\"id\":\"PAY...\",\"amount\":
                                                      \"5.00\"}}]}}: partial (processed,
                                                      partially_refunded) (201); key required;
                                                      made at once, without the terminal
  POST   /v1/orders/{{id}}/events                       the sandbox's {{\"status\":\"processed\"|\"failed\"|
                                                      \"action_required\"|\"canceled\"|\"expired\"|
                                                      \"refunded\", \"payment_method_type\",
                                                      \"payment_method_id\", \"installments\",
                                                      \"status_detail\"}}: through at_terminal, at
                                                      once (204); 400 bad_request otherwise
Orders move by themselves (unless --manual), one step every --step-ms: created ->
at_terminal -> final, the amount (minor units) picking the outcome as for intents:
    1100       processed, then refunded in the same instant (the sandbox's reversal)
    1200       failed (status_detail rejected_by_issuer; a rejected payment)
    1300       failed (processing_error; no payment)
    1800       action_required (check_on_terminal)
    1900       expired after at_terminal, when the final step would be due
    any other  processed (accredited)
An order not final by its expiration_time (or --abandon-after-ms) becomes expired. In
--manual mode the terminal's buttons drive the terminal's current order as they drive
intents (green key: at_terminal; card approved/rejected/reversed/error/
confirmation_required; cancel: canceled).

Control API under /_sim (no token; JSON; errors as {{message, error, status, cause}}):
  GET    /                                            the virtual terminal page
  GET    /_sim/state                                  mode, step_ms, abandon_after_ms and each device
                                                      with its current (or last) intent, refund or
                                                      order (kind payment_intent, refund, order)
  POST   /_sim/devices/{{device_id}}/green-key          OPEN -> ON_TERMINAL (409 no_open_intent)
  POST   /_sim/devices/{{device_id}}/card               {{\"outcome\":\"approved\"|\"rejected\"|\"reversed\"|
                                                      \"error\"|\"confirmation_required\"}}: needs ON_TERMINAL
                                                      (409 not_on_terminal); PROCESSING, PROCESSED, final
  POST   /_sim/devices/{{device_id}}/cancel             the terminal's cancel: OPEN or ON_TERMINAL -> CANCELED
  GET    /_sim/idempotency[/{{key}}]                    per X-Idempotency-Key: requests (creates of
                                                      both APIs, order cancels and refunds) and
                                                      intents_created (intents, refunds, orders and
                                                      order refunds made)
  POST   /_sim/faults                                 inject a fault into matching API requests
                                                      {{\"method\":\"POST\"|\"*\",\"path\":\"/v1/orders\" (or prefix*),
                                                      \"count\":N,\"kind\":\"status\"|\"delay\"|
                                                      \"drop_before_read\"|\"drop_after_read\"|
                                                      \"malformed_body\",\"status\":503,
                                                      \"retry_after\":\"2\",\"delay_ms\":1500}}
  GET    /_sim/faults, DELETE /_sim/faults            list (with remaining, hits) / clear them
  DELETE /_sim/faults/{{id}}                            remove one fault
  GET    /_sim/webhooks, DELETE /_sim/webhooks        webhook deliveries made / clear the record

Virtual devices, the same terminals in both APIs (all start in PDV mode):
  PAX_A910__SMARTPOS1495357742        pos_id 47792476  store_id 47792478  CAJA1
  GERTEC_MP35P__8701012051267097      pos_id 47792477  store_id 47792478  CAJA2
  INGENICO_MOVE2500__ING-ARG-14886780 pos_id 47792479  store_id 47792480  CAJA3
"
    )
}

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    port_file: Option<PathBuf>,
    config: SimConfig,
}

impl Cli {
    fn into_options(self) -> Options {
        let bind = match self.bind.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, self.port).to_string(),
            // A host name: tiny_http resolves it.
            Err(_) => format!("{}:{}", self.bind, self.port),
        };
        Options {
            port_file: self.port_file,
            config: SimConfig {
                bind,
                step_ms: self.step_ms,
                site: self.site,
                access_token: self.access_token,
                manual: self.manual,
                abandon_after_ms: self.abandon_after_ms,
                webhook_secret: self.webhook_secret,
                strict_rate_limit: self.strict_rate_limit,
                orders_webhook_url: self.orders_webhook_url,
                orders_webhook_lowercase_id: self.orders_webhook_lowercase_id,
            },
        }
    }
}

/// The options `args` (the command line without the program's name) ask for; the error
/// is clap's, a request for help included.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, clap::Error> {
    let command_line = std::iter::once("point-sim".to_string()).chain(args);
    Ok(Cli::try_parse_from(command_line)?.into_options())
}

/// Writes the port via a temporary file and a rename, which replaces atomically.
fn write_port_file(path: &Path, port: u16) -> std::io::Result<()> {
    let mut tmp = OsString::from(path.as_os_str());
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, format!("{port}\n"))?;
    std::fs::rename(&tmp, path)
}

fn main() -> ExitCode {
    // Help goes to stdout with status 0; a bad flag to stderr with status 2.
    let options = parse_args(std::env::args().skip(1)).unwrap_or_else(|e| e.exit());
    let simulator = match Simulator::start(options.config) {
        Ok(simulator) => simulator,
        Err(e) => {
            eprintln!("point-sim: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &options.port_file {
        if let Err(e) = write_port_file(path, simulator.port()) {
            eprintln!("point-sim: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("point-sim listening on {}", simulator.base_url());
    // Scripts wait for this line through a pipe, where stdout is block-buffered.
    let _ = std::io::stdout().flush();
    // Serve until killed; SIGTERM/SIGINT end the process with their default action.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        parse_args(args.iter().map(|s| s.to_string())).map_err(|e| match e.kind() {
            ErrorKind::DisplayHelp => "help".into(),
            _ => e.to_string(),
        })
    }

    fn help() -> String {
        Cli::command().render_long_help().to_string()
    }

    #[test]
    fn defaults() {
        let options = parse(&[]).unwrap();
        assert_eq!(options.config.bind, "127.0.0.1:8080");
        assert_eq!(options.config.step_ms, 1000);
        assert_eq!(options.config.site, "MLA");
        assert_eq!(options.config.access_token, None);
        assert!(options.port_file.is_none());
        assert!(!options.config.manual);
        assert!(!options.config.strict_rate_limit);
        assert_eq!(options.config.abandon_after_ms, None);
        assert_eq!(options.config.webhook_secret, None);
        assert_eq!(options.config.orders_webhook_url, None);
        assert!(!options.config.orders_webhook_lowercase_id);
    }

    #[test]
    fn every_flag() {
        let options = parse(&[
            "--bind",
            "::1",
            "--port=0",
            "--port-file",
            "/tmp/p",
            "--step-ms",
            "30",
            "--site",
            "mlb",
            "--access-token",
            "TEST-1",
            "--manual",
            "--abandon-after-ms",
            "90000",
            "--strict-rate-limit",
            "--webhook-secret=s3cret",
            "--orders-webhook-url",
            "http://127.0.0.1:9/orders",
            "--orders-webhook-lowercase-id",
        ])
        .unwrap();
        assert_eq!(
            options.config.orders_webhook_url.as_deref(),
            Some("http://127.0.0.1:9/orders")
        );
        assert!(options.config.orders_webhook_lowercase_id);
        assert!(options.config.manual);
        assert!(options.config.strict_rate_limit);
        assert_eq!(options.config.abandon_after_ms, Some(90_000));
        assert_eq!(options.config.webhook_secret.as_deref(), Some("s3cret"));
        assert_eq!(options.config.bind, "[::1]:0");
        assert_eq!(options.port_file, Some(PathBuf::from("/tmp/p")));
        assert_eq!(options.config.step_ms, 30);
        assert_eq!(options.config.site, "MLB");
        assert_eq!(parse(&["--site", "mlc"]).unwrap().config.site, "MLC");
        assert_eq!(options.config.access_token.as_deref(), Some("TEST-1"));
        assert_eq!(
            parse(&["--bind", "localhost"]).unwrap().config.bind,
            "localhost:8080"
        );
        assert_eq!(parse(&["--help"]).unwrap_err(), "help");
        // A switch before a flag with a value, and last.
        let options = parse(&["--strict-rate-limit", "--port", "0", "--manual"]).unwrap();
        assert!(options.config.manual && options.config.strict_rate_limit);
        assert_eq!(options.config.bind, "127.0.0.1:0");
    }

    #[test]
    fn bad_flags() {
        for args in [
            &["--port"][..],
            &["--port", "70000"],
            &["--port", "-1"],
            &["--step-ms", "fast"],
            &["--site", "MCO"],
            &["--orders-webhook-url", "http://h/o"],
            &["--orders-webhook-url", "", "--webhook-secret", "s"],
            &["--webhook-secret", "s", "--orders-webhook-url"],
            &["--orders-webhook-lowercase-id=1"],
            &["--access-token", ""],
            &["--manual=yes"],
            &["--strict-rate-limit=1"],
            &["--abandon-after-ms"],
            &["--abandon-after-ms", "0"],
            &["--abandon-after-ms", "-5"],
            &["--abandon-after-ms", "soon"],
            &["--webhook-secret", ""],
            &["--webhook-secret"],
            &["--verbose"],
            &["extra"],
        ] {
            assert!(parse(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn help_documents_flags_and_outcomes() {
        let text = help();
        for needle in [
            "--bind",
            "--port",
            "--port-file",
            "--step-ms",
            "--site",
            "--access-token",
            "--manual",
            "--abandon-after-ms",
            "--strict-rate-limit",
            "--webhook-secret",
            "--help",
            "1100",
            "1800",
            "1900",
            "CONFIRMATION_REQUIRED",
            "ABANDONED",
            "/_sim/state",
            "/_sim/devices/{device_id}/green-key",
            "/_sim/devices/{device_id}/card",
            "/_sim/devices/{device_id}/cancel",
            "/_sim/idempotency",
            "/_sim/faults",
            "/_sim/webhooks",
            "/devices/{device_id}/refund",
            "/refund/{id}",
            "/v1/payments/{id}",
            "/users/test_user",
            "1200",
            "1300",
            "400000000",
            "7000000",
            "35000000",
            "/integrators/check",
            "--orders-webhook-url",
            "--orders-webhook-lowercase-id",
            "MLC",
            "/terminals/v1/list",
            "/terminals/v1/setup",
            "/v1/orders",
            "/v1/orders/{id}",
            "/v1/orders/{id}/cancel",
            "/v1/orders/{id}/refund",
            "/v1/orders/{id}/events",
            "already_queued_order_for_terminal",
            "idempotency_key_already_used",
            "empty_required_header",
            "action_required",
            "10000000",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
    }
}
