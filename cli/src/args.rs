//! The command line: global options, subcommands and the help a technician reads.

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// What `mppoint --help` ends with: where the token comes from, and what each exit code says.
const AFTER_HELP: &str = "\
Environment:
  MP_ACCESS_TOKEN  the account's access token (required except for `journal`); it is never
                   printed, not even in an error that quotes the service
  MP_BASE_URL      the service's address when --base-url is not given
  MP_DEVICE_ID     the terminal to use when --device is not given (with neither, the account's
                   only terminal)

Amounts are typed as the cashier reads them: 15.00, 15.5 or 15 (whole pesos on --site MLC).

Exit codes:
  0  done; for sale and refund: approved
  1  the sale or refund ended without a payment: rejected, cancelled (Ctrl-C), error,
     abandoned, or confirmation required on the terminal
  2  usage: a wrong argument or option, no MP_ACCESS_TOKEN, or a call the API (--api) has not
  3  failure: the service or the network refused or failed (nothing is pending)
  4  not settled: the sale or refund may still be payable (the wait timed out, Ctrl-C came
     too late to cancel, the create's answer was lost): check it with `mppoint status ID`, or
     `mppoint recover` with the journal; for recover, ack and clear: something of the journal
     is still pending, or still holds the terminal

With --json every command prints one JSON document on stdout, an error too:
  {\"error\":{\"status\":\"NETWORK\",\"message\":\"...\",\"http_status\":502,...}}";

/// What `mppoint recover --help` ends with: the verdict a POS acts on, per ticket.
const RECOVER_HELP: &str = "\
Each ticket (the POS's reference: a refund goes with its sale; an entry without a reference is a
ticket of its own) gets one verdict, from every attempt the journal has of it:
  paid            one approved payment (PAYMENTS): record it paid; never sell it again
  not_paid        every attempt ended and none was approved: nothing is payable; it may be sold
                  again
  pending         something of it is not settled yet (on a terminal, no network, a POS process
                  still follows it): neither sell it again nor give it up; run recover again
                  (exit code 4)
  paid_twice      two or more approved payments (PAYMENTS): refund all but one
  refunded        it was paid, and every approved payment was refunded
  check_terminal  an attempt ended needing confirmation: look at the terminal (or `mppoint
                  payment ID`) before selling it again or handing over the goods

Each entry (a sale or a refund) says how it ended (RESOLUTION): finished (by itself: read its
state and payment), canceled (still OPEN, so recovery cancelled it), never_created (the service
never had it), refused (the service refused the create: a busy terminal, a 4xx) or pending.

Final entries are reported again, the same way, until they are acknowledged: once the POS has
recorded each ticket, `mppoint --journal PATH ack --report FILE` (FILE: this command's --json
output, or - for stdin) or `ack KEY...`.";

/// mppoint: take and check card payments on Mercado Pago Point terminals, from a terminal
/// window: for the technician installing one and for support.
#[derive(Debug, Parser)]
#[command(name = "mppoint", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Which Mercado Pago API to speak.
    #[arg(long, value_enum, default_value_t = ApiName::Integration, global = true)]
    pub api: ApiName,
    /// The service's address: the real one by default, or a simulator's
    /// (http://127.0.0.1:8080).
    #[arg(long, value_name = "URL", env = "MP_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// The account's site: its amount limits, and whole pesos on MLC.
    #[arg(long, value_enum, global = true)]
    pub site: Option<SiteName>,
    /// The journal the POS keeps (its journal_path): sales made here are recorded in it;
    /// `recover`, `journal`, `ack`, `holds` and `clear` work on it.
    #[arg(long, value_name = "PATH", global = true)]
    pub journal: Option<String>,
    /// Send `x-test-scope: sandbox` (Point Integration API).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Pause between status reads while waiting (the Point Integration API allows one read
    /// per second).
    #[arg(long, value_name = "MS", default_value_t = 1000, global = true)]
    pub poll_interval_ms: u64,
    /// One JSON document on stdout (errors too) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiName {
    /// The Point Integration API (deprecated by Mercado Pago, still what most POSs use).
    Integration,
    /// The Orders API, for new integrations.
    Orders,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum SiteName {
    Mla,
    Mlb,
    Mlm,
    Mlc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum ModeName {
    /// Takes sales from the POS.
    Pdv,
    /// The terminal sells on its own.
    Standalone,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The account's terminals and their operating modes.
    Devices,
    /// Switch a terminal between PDV (sales from the POS) and STANDALONE; it applies the
    /// change after a restart.
    Mode {
        device: String,
        #[arg(value_enum, ignore_case = true)]
        mode: ModeName,
    },
    /// Sell AMOUNT on a terminal and wait for the customer, with a live progress line;
    /// Ctrl-C cancels while the terminal has not taken it (a second Ctrl-C stops waiting).
    Sale {
        /// As the cashier reads it: 15.00.
        amount: String,
        #[command(flatten)]
        device: DeviceArg,
        /// The POS's reference for the sale (shown in notifications and reports).
        #[arg(long = "ref", value_name = "REFERENCE")]
        reference: Option<String>,
        /// The idempotency key (default: a new one). After a lost answer, the same command
        /// with the key it printed returns what was made instead of making it twice.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        #[command(flatten)]
        wait: WaitArg,
    },
    /// Read a sale (or with --refund, a refund) once.
    Status {
        /// The sale's id (the intent's, or the order's ORD...).
        id: String,
        /// ID is a refund's.
        #[arg(long)]
        refund: bool,
    },
    /// Cancel a sale the terminal has not taken yet.
    Cancel {
        id: String,
        /// The sale's terminal (read from the sale if not given).
        #[arg(long, value_name = "DEVICE_ID")]
        device: Option<String>,
    },
    /// Refund a payment on a terminal and wait for it: PAYMENT is the sale's payment number
    /// (payment.id) on the Point Integration API, the order's id (ORD...) on the Orders API.
    Refund {
        payment: String,
        #[command(flatten)]
        device: DeviceArg,
        /// A partial refund of this much (Orders API); without it, all of it.
        #[arg(long)]
        amount: Option<String>,
        /// The idempotency key (default: a new one). After a lost answer, the same command
        /// with the key it printed returns what was made instead of making it twice.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        #[command(flatten)]
        wait: WaitArg,
    },
    /// A payment as the Payments API has it: status, card, authorization (what a receipt
    /// needs).
    Payment { id: String },
    /// The account's webhook (Point Integration API).
    Webhook {
        #[command(subcommand)]
        action: WebhookAction,
    },
    /// Settle every sale and refund the journal (--journal) holds from a POS process that
    /// ended mid-sale, as the POS does at start-up, and say what became of each ticket.
    #[command(after_help = RECOVER_HELP)]
    Recover {
        /// How long it may wait, in all, for sales still on a terminal.
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        timeout: u32,
    },
    /// List the sales and refunds of a journal (--journal), newest first, without changing
    /// it (no token needed).
    Journal {
        /// Only those not final yet.
        #[arg(long)]
        pending: bool,
    },
    /// Acknowledge journal entries (--journal) the POS has recorded, so `recover` no longer
    /// reports them: by idempotency key, or every settled entry of a report.
    #[command(group(ArgGroup::new("entries").required(true).args(["keys", "report"])))]
    Ack {
        /// The entries' idempotency keys (KEY in `recover`'s table). An entry not settled yet
        /// cannot be acknowledged (exit code 4).
        #[arg(value_name = "KEY")]
        keys: Vec<String>,
        /// The --json output of `mppoint recover` (- reads it from stdin): its settled entries
        /// are acknowledged, its pending ones left (exit code 4 if there are any).
        #[arg(long, value_name = "FILE")]
        report: Option<String>,
    },
    /// What this journal (--journal) has unfinished on a terminal, and whether the POS process
    /// that made it still runs: what keeps the terminal busy. Sends nothing.
    Holds {
        #[command(flatten)]
        device: DeviceArg,
    },
    /// Free a terminal of what this journal (--journal) has on it: cancel what the customer
    /// has not taken (OPEN) and record what has ended; what the terminal has taken is never
    /// touched (exit code 4 while something still holds it).
    Clear {
        #[command(flatten)]
        device: DeviceArg,
    },
}

#[derive(Debug, Args)]
pub struct DeviceArg {
    /// The terminal (default: MP_DEVICE_ID, or the account's only terminal).
    #[arg(long, value_name = "DEVICE_ID", env = "MP_DEVICE_ID")]
    pub device: Option<String>,
}

#[derive(Debug, Args)]
pub struct WaitArg {
    /// How long to wait for the customer before giving up (the sale stays on the terminal).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub wait: u32,
}

#[derive(Debug, Subcommand)]
pub enum WebhookAction {
    /// The webhook URL, whether the service checked it, and the secret that signs it.
    Show,
    /// Register URL (http:// or https://) as the webhook.
    Set { url: String },
    /// Have the service challenge the webhook and check its answer.
    Check,
}
