//! The virtual terminal page in a real browser, driving sales a POS makes through the C ABI.
//!
//! Each test starts the in-process simulator in manual mode, `chromedriver` as a child
//! process and headless Chromium through the W3C WebDriver protocol (plain HTTP with ureq),
//! opens the page, creates a payment intent through the library's exported C functions and
//! then presses the terminal's buttons on the page, as a cashier would.
//!
//! Needs Debian's `chromium` and `chromium-driver`: run `scripts/ensure-chromium.sh` (as
//! root) first. Without them these tests fail saying so; they never skip.

use std::ffi::{c_char, c_void, CStr, CString};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::ptr;
use std::thread;
use std::time::{Duration, Instant};

use point_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

// The C ABI is what this test exercises: make sure the library (and so its exports) is
// linked, then declare the exports as a C program would from include/point.h.
use mppoint as _;

const DEVICE: &str = "PAX_A910__SMARTPOS1495357742";
const OTHER_DEVICE: &str = "GERTEC_MP35P__8701012051267097";
/// How long the page may take to show a change (it polls every 300 ms).
const PAGE_DEADLINE: Duration = Duration::from_secs(10);

mod ffi {
    use std::ffi::{c_char, c_void};

    /// `MpClient`: opaque.
    #[repr(C)]
    pub struct MpClient {
        _private: [u8; 0],
    }

    pub const MP_STATUS_OK: u32 = 0;
    pub const MP_STATUS_INTENT_LOCKED: u32 = 8;
    pub const MP_INTENT_STATE_FINISHED: u32 = 5;
    pub const MP_INTENT_STATE_CANCELED: u32 = 6;

    pub type MpWaitCallback = Option<unsafe extern "C" fn(*mut c_void, u32, *const c_char) -> i32>;

    extern "C" {
        pub fn mp_init_with_options(options_json: *const c_char, out: *mut *mut MpClient) -> u32;
        pub fn mp_free(client: *mut MpClient);
        pub fn mp_last_error() -> *const c_char;
        pub fn mp_string_free(s: *mut c_char);
        pub fn mp_create_intent_simple(
            client: *mut MpClient,
            device_id: *const c_char,
            amount: i64,
            external_reference: *const c_char,
            print_on_terminal: i32,
            out_intent_id: *mut *mut c_char,
        ) -> u32;
        pub fn mp_cancel_intent(
            client: *mut MpClient,
            device_id: *const c_char,
            intent_id: *const c_char,
            out_json: *mut *mut c_char,
        ) -> u32;
        pub fn mp_wait_intent(
            client: *mut MpClient,
            intent_id: *const c_char,
            timeout_ms: u32,
            callback: MpWaitCallback,
            user_data: *mut c_void,
            out_state: *mut u32,
            out_json: *mut *mut c_char,
        ) -> u32;
    }
}

/// A client made with `mp_init_with_options`, freed with `mp_free`.
struct CClient(*mut ffi::MpClient);

// The header documents an MpClient as usable from several threads at once.
unsafe impl Send for CClient {}
unsafe impl Sync for CClient {}

/// What a C call returned: its status and `mp_last_error()` right after it.
#[derive(Debug)]
struct Failure {
    status: u32,
    error: String,
}

fn last_error() -> String {
    // SAFETY: mp_last_error never returns NULL; the text is valid until the next call.
    unsafe { CStr::from_ptr(ffi::mp_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Copies and frees a string the library returned.
fn take_string(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from the library, freed exactly once here.
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    unsafe { ffi::mp_string_free(s) };
    Some(text)
}

fn cstring(text: &str) -> CString {
    CString::new(text).expect("no NUL in test strings")
}

impl CClient {
    fn new(sim: &Simulator) -> CClient {
        let options = json!({
            "access_token": "TEST-mppoint-browser",
            "base_url": sim.base_url(),
            "poll_interval_ms": 50,
            "timeout_ms": 5000,
        })
        .to_string();
        let options = cstring(&options);
        let mut client = ptr::null_mut();
        // SAFETY: valid C string and out-pointer.
        let status = unsafe { ffi::mp_init_with_options(options.as_ptr(), &mut client) };
        assert_eq!(
            status,
            ffi::MP_STATUS_OK,
            "mp_init_with_options: {}",
            last_error()
        );
        assert!(!client.is_null());
        CClient(client)
    }

    fn create_intent(&self, device: &str, amount: i64, reference: &str) -> String {
        let (device, reference) = (cstring(device), cstring(reference));
        let mut id = ptr::null_mut();
        // SAFETY: live client, valid C strings and out-pointer.
        let status = unsafe {
            ffi::mp_create_intent_simple(
                self.0,
                device.as_ptr(),
                amount,
                reference.as_ptr(),
                1,
                &mut id,
            )
        };
        assert_eq!(
            status,
            ffi::MP_STATUS_OK,
            "mp_create_intent_simple: {}",
            last_error()
        );
        take_string(id).expect("an intent id")
    }

    fn cancel_intent(&self, device: &str, intent_id: &str) -> Result<(), Failure> {
        let (device, intent_id) = (cstring(device), cstring(intent_id));
        // SAFETY: live client and valid C strings; the JSON out-parameter is optional.
        let status = unsafe {
            ffi::mp_cancel_intent(self.0, device.as_ptr(), intent_id.as_ptr(), ptr::null_mut())
        };
        match status {
            ffi::MP_STATUS_OK => Ok(()),
            status => Err(Failure {
                status,
                error: last_error(),
            }),
        }
    }

    /// `mp_wait_intent` with no callback: the status, the state and the intent's JSON.
    fn wait_intent(&self, intent_id: &str, timeout: Duration) -> (u32, u32, Option<Value>, String) {
        let intent_id = cstring(intent_id);
        let timeout_ms = u32::try_from(timeout.as_millis()).expect("timeout fits in u32");
        let mut state = 0u32;
        let mut json = ptr::null_mut();
        // SAFETY: live client, valid C string and out-pointers; no callback.
        let status = unsafe {
            ffi::mp_wait_intent(
                self.0,
                intent_id.as_ptr(),
                timeout_ms,
                None,
                ptr::null_mut::<c_void>(),
                &mut state,
                &mut json,
            )
        };
        let error = last_error();
        let json = take_string(json).map(|text| serde_json::from_str(&text).expect("intent JSON"));
        (status, state, json, error)
    }
}

impl Drop for CClient {
    fn drop(&mut self) {
        // SAFETY: the client came from mp_init_with_options; no other thread uses it now
        // (every waiter thread is joined before the client goes).
        unsafe { ffi::mp_free(self.0) };
    }
}

/// A directory removed when dropped: Chromium's fresh profile.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("mppoint-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
const MISSING_BROWSER: &str =
    "install Chromium and its driver first: `bash scripts/ensure-chromium.sh` (as root)";
/// Longest wait for chromedriver to answer `/status` after it starts.
const DRIVER_STARTUP: Duration = Duration::from_secs(15);

/// `chromedriver` as a child process, killed when dropped.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    fn start(agent: &ureq::Agent) -> ChromeDriver {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} not found: {MISSING_BROWSER}"
        );
        // A port freed just before use may be taken again in between: try a few.
        let mut last_problem = String::new();
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("find a free port")
                .port();
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {CHROMEDRIVER} ({e}): {MISSING_BROWSER}"));
            let mut driver = ChromeDriver {
                child,
                url: format!("http://127.0.0.1:{port}"),
            };
            match driver.wait_ready(agent) {
                Ok(()) => return driver,
                Err(problem) => last_problem = problem,
            }
        }
        panic!("chromedriver did not start: {last_problem}");
    }

    fn wait_ready(&mut self, agent: &ureq::Agent) -> Result<(), String> {
        let deadline = Instant::now() + DRIVER_STARTUP;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited with {status}"));
            }
            let ready = agent
                .get(format!("{}/status", self.url))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("/status not ready after {DRIVER_STARTUP:?}"));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The W3C WebDriver element reference key.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A headless Chromium session. Dropping it ends the session (closing the browser), then
/// stops chromedriver and removes the profile directory, in that order.
struct Browser {
    agent: ureq::Agent,
    session_url: String,
    _driver: ChromeDriver,
    _profile: TempDir,
}

impl Browser {
    fn start(window: (u32, u32)) -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            // Everything here is on loopback: never go through a proxy from the environment.
            .proxy(None)
            .build()
            .into();
        let driver = ChromeDriver::start(&agent);
        let profile = TempDir::new("chromium-profile");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", profile.0.display()),
                    format!("--window-size={},{}", window.0, window.1),
                ],
            },
        }}});
        let created = command(
            &agent,
            "POST",
            &format!("{}/session", driver.url),
            Some(capabilities),
        )
        .unwrap_or_else(|e| panic!("WebDriver could not start Chromium: {e}"));
        let session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {created}"));
        Browser {
            session_url: format!("{}/session/{session}", driver.url),
            agent,
            _driver: driver,
            _profile: profile,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        command(
            &self.agent,
            method,
            &format!("{}{path}", self.session_url),
            body,
        )
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})))
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    fn find(&self, css: &str) -> Result<String, String> {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        found[ELEMENT_KEY]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no element reference in {found}"))
    }

    fn text(&self, css: &str) -> Result<String, String> {
        let element = self.find(css)?;
        let text = self.call("GET", &format!("/element/{element}/text"), None)?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    fn is_enabled(&self, css: &str) -> Result<bool, String> {
        let element = self.find(css)?;
        Ok(self.call("GET", &format!("/element/{element}/enabled"), None)? == true)
    }

    /// Waits until the element exists and its text satisfies `accept`; panics with what the
    /// page showed (and any error it displays) when the deadline passes.
    fn wait_text(&self, css: &str, what: &str, accept: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PAGE_DEADLINE;
        loop {
            let seen = self.text(css);
            if let Ok(text) = &seen {
                if accept(text) {
                    return text.clone();
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "page never showed {what} in {css} within {PAGE_DEADLINE:?}; last seen: \
                     {seen:?}; page errors: {}",
                    self.page_errors()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_state(&self, device: &str, state: &str) {
        self.wait_text(&field(device, "state"), state, |text| text == state);
    }

    /// Clicks a terminal button once the page enables it.
    fn press(&self, css: &str) {
        let deadline = Instant::now() + PAGE_DEADLINE;
        while self.is_enabled(css) != Ok(true) {
            assert!(
                Instant::now() < deadline,
                "{css} never became enabled; page errors: {}",
                self.page_errors()
            );
            thread::sleep(Duration::from_millis(50));
        }
        let element = self.find(css).expect("button exists");
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The connection banner and every terminal's error line, for failure messages.
    fn page_errors(&self) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "return Array.from(document.querySelectorAll(\
                    '[data-field=connection], [data-field=error]'))\
                    .map(e => e.textContent).filter(t => t);",
                "args": [],
            })),
        )
        .unwrap_or_else(|e| json!(e))
    }

    fn screenshot_png(&self) -> Vec<u8> {
        let encoded = self
            .call("GET", "/screenshot", None)
            .expect("take a screenshot");
        decode_base64(encoded.as_str().expect("base64 text")).expect("valid base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends Chromium cleanly before chromedriver is killed (by `driver`'s own drop).
        let _ = command(&self.agent, "DELETE", &self.session_url, None);
    }
}

/// One WebDriver command: the `value` of a success, or the W3C error as text.
fn command(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Content-Type", "application/json");
    let response = match body {
        Some(body) => agent.run(request.body(body.to_string()).map_err(|e| e.to_string())?),
        None => agent.run(request.body(()).map_err(|e| e.to_string())?),
    };
    let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("{method} {url}: reading the answer: {e}"))?;
    let parsed: Value = serde_json::from_str(&text).map_err(|e| {
        format!("{method} {url}: {status} with a body that is not JSON ({e}): {text}")
    })?;
    if status.is_success() {
        Ok(parsed["value"].clone())
    } else {
        Err(format!(
            "{method} {url}: {status} {}: {}",
            parsed["value"]["error"], parsed["value"]["message"]
        ))
    }
}

/// Standard base64 (WebDriver screenshots), padding optional.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
    {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

fn terminal(device: &str) -> String {
    format!("[data-device=\"{device}\"]")
}

fn field(device: &str, name: &str) -> String {
    format!("{} [data-field=\"{name}\"]", terminal(device))
}

fn button(device: &str, action: &str) -> String {
    format!("{} button[data-action=\"{action}\"]", terminal(device))
}

fn card(device: &str, outcome: &str) -> String {
    format!("{} button[data-outcome=\"{outcome}\"]", terminal(device))
}

fn manual_simulator() -> Simulator {
    Simulator::start(SimConfig {
        manual: true,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

/// Starts `mp_wait_intent` on its own thread (before any button is pressed, as a POS
/// waiting for the cashier would).
fn wait_in_background(
    client: &std::sync::Arc<CClient>,
    intent_id: &str,
) -> thread::JoinHandle<(u32, u32, Option<Value>, String)> {
    let (client, intent_id) = (std::sync::Arc::clone(client), intent_id.to_owned());
    thread::spawn(move || client.wait_intent(&intent_id, Duration::from_secs(20)))
}

#[test]
fn cashier_presses_green_key_and_an_approved_card_on_the_page() {
    let sim = manual_simulator();
    let browser = Browser::start((1280, 900));
    browser.open(&format!("{}/", sim.base_url()));
    browser.wait_state(DEVICE, "IDLE");

    let client = std::sync::Arc::new(CClient::new(&sim));
    let intent_id = client.create_intent(DEVICE, 1500, "BROWSER-1");
    let waiter = wait_in_background(&client, &intent_id);

    // The page picks up what the POS did, by itself.
    browser.wait_state(DEVICE, "OPEN");
    assert_eq!(browser.text(&field(DEVICE, "amount")).unwrap(), "15.00");
    // (WebDriver reads the rendered text, which the page's style puts in capitals.)
    let kind = browser.text(&field(DEVICE, "kind")).unwrap();
    assert!(kind.eq_ignore_ascii_case("payment"), "kind shown: {kind}");
    assert!(browser
        .text(&field(DEVICE, "details"))
        .unwrap()
        .contains(&intent_id));
    // Only the actions that make sense now are offered.
    assert_eq!(browser.is_enabled(&card(DEVICE, "approved")), Ok(false));
    assert_eq!(
        browser.is_enabled(&button(OTHER_DEVICE, "green-key")),
        Ok(false)
    );
    assert_eq!(browser.text(&field(OTHER_DEVICE, "state")).unwrap(), "IDLE");

    browser.press(&button(DEVICE, "green-key"));
    browser.wait_state(DEVICE, "ON_TERMINAL");
    assert_eq!(browser.is_enabled(&button(DEVICE, "green-key")), Ok(false));
    browser.press(&card(DEVICE, "approved"));

    let (status, state, json, error) = waiter.join().expect("waiter thread");
    assert_eq!(status, ffi::MP_STATUS_OK, "mp_wait_intent: {error}");
    assert_eq!(state, ffi::MP_INTENT_STATE_FINISHED);
    let json = json.expect("the final intent");
    assert_eq!(json["id"], intent_id.as_str());
    assert_eq!(json["payment"]["state"], "approved");

    browser.wait_state(DEVICE, "FINISHED");
    let payment_id = json["payment"]["id"].as_str().expect("payment id");
    browser.wait_text(&field(DEVICE, "result"), "the approved payment", |text| {
        text == "payment approved"
    });
    assert!(browser
        .text(&field(DEVICE, "details"))
        .unwrap()
        .contains(payment_id));
    assert_eq!(browser.is_enabled(&button(DEVICE, "cancel")), Ok(false));
}

#[test]
fn cashier_cancels_on_the_terminal_an_intent_the_pos_can_no_longer_cancel() {
    let sim = manual_simulator();
    let browser = Browser::start((1280, 900));
    browser.open(&format!("{}/", sim.base_url()));

    let client = std::sync::Arc::new(CClient::new(&sim));
    let intent_id = client.create_intent(OTHER_DEVICE, 2575, "BROWSER-2");
    let waiter = wait_in_background(&client, &intent_id);

    browser.wait_state(OTHER_DEVICE, "OPEN");
    assert_eq!(
        browser.text(&field(OTHER_DEVICE, "amount")).unwrap(),
        "25.75"
    );
    browser.press(&button(OTHER_DEVICE, "green-key"));
    browser.wait_state(OTHER_DEVICE, "ON_TERMINAL");

    // On the terminal, the POS cannot cancel any more; only the cashier can.
    let refused = client
        .cancel_intent(OTHER_DEVICE, &intent_id)
        .expect_err("cancel from the POS while ON_TERMINAL");
    assert_eq!(
        refused.status,
        ffi::MP_STATUS_INTENT_LOCKED,
        "{}",
        refused.error
    );

    browser.press(&button(OTHER_DEVICE, "cancel"));
    let (status, state, _json, error) = waiter.join().expect("waiter thread");
    assert_eq!(status, ffi::MP_STATUS_OK, "mp_wait_intent: {error}");
    assert_eq!(state, ffi::MP_INTENT_STATE_CANCELED);
    browser.wait_state(OTHER_DEVICE, "CANCELED");
}

/// Not a check: regenerates docs/virtual-terminal.png (scripts/screenshot-page.sh runs it).
#[test]
#[ignore = "writes docs/virtual-terminal.png; run through scripts/screenshot-page.sh"]
fn screenshot_of_a_sale_on_the_terminal() {
    let sim = manual_simulator();
    let browser = Browser::start((1040, 820));
    browser.open(&format!("{}/", sim.base_url()));
    let client = CClient::new(&sim);
    client.create_intent(DEVICE, 1500, "T-1042");
    browser.wait_state(DEVICE, "OPEN");
    browser.press(&button(DEVICE, "green-key"));
    browser.wait_state(DEVICE, "ON_TERMINAL");
    let png = browser.screenshot_png();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/virtual-terminal.png");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, png).unwrap();
    eprintln!("wrote {}", path.display());
}
