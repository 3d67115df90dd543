//! The transport: one HTTP exchange with the service, retried as the retry policy allows,
//! within the call's time budget, logged. The only place that talks to ureq (through the TCP
//! layer of `tcp` and the trust settings of `trust`).

mod call;
mod classify;
mod retry;
mod tcp;
mod trust;

use std::io::Read;
use std::time::{Duration, Instant};

use ureq::config::AutoHeaderValue;
use ureq::http::{self, Response};
use ureq::tls::TlsConfig;
use ureq::{Agent, AsSendBody, Body, SendBody};

pub use call::Reply;
pub(crate) use call::{Call, Method};
pub(crate) use classify::status_error;

use crate::config::Config;
use crate::error::Result;
use crate::log::{LogLevel, LogSink, Logger};
use call::FixedHeaders;
use classify::{http_build_failure, timeout_error, transport_failure, Failure};
use retry::{backoff, retry_after};

/// Bodies larger than this are not Point API answers.
const MAX_BODY_BYTES: u64 = 4 * 1024 * 1024;

/// How much less than the client's `timeout` an attempt may have and still run under the
/// agent's limit: the microseconds between the call's start and its first request.
const FULL_BUDGET_SLACK: Duration = Duration::from_millis(1);

const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");

/// One per client: the connection pool, the fixed headers, the time limits and the log.
pub(crate) struct Transport {
    agent: Agent,
    headers: FixedHeaders,
    base_url: String,
    https: bool,
    timeout: Duration,
    max_retries: u32,
    logger: Logger,
}

impl Transport {
    /// Fails on an unreadable `ca_file`, a bad `proxy` or a header value HTTP does not allow.
    /// Opens no connection.
    pub(crate) fn new(config: &Config) -> Result<Transport> {
        // Environment proxy variables are ignored on purpose: a POS machine's stray
        // HTTPS_PROXY should not silently reroute payments. Set `proxy` instead.
        let proxy = config
            .proxy
            .as_deref()
            .map(crate::config::proxy)
            .transpose()?;
        let mut tls = TlsConfig::builder();
        if let Some(path) = &config.ca_file {
            tls = tls.root_certs(trust::roots_with(path)?);
        }
        let headers = FixedHeaders::new(config)?;
        let agent_config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.connect_timeout))
            // Sent with the other fixed headers, made once instead of per request.
            .user_agent(AutoHeaderValue::None)
            .proxy(proxy)
            .tls_config(tls.build())
            // Redirects would resend the Authorization header to wherever they point; a 3xx
            // is returned as it is and reported as an unexpected answer.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .build();
        Ok(Transport {
            agent: tcp::agent(agent_config),
            headers,
            base_url: config.base_url.clone(),
            https: config.base_url.starts_with("https://"),
            timeout: config.timeout,
            max_retries: config.max_retries,
            logger: Logger::default(),
        })
    }

    /// Installs (or with `None` removes) the sink of the client's log lines.
    pub(crate) fn set_logger(&self, sink: Option<LogSink>, min_level: LogLevel) {
        self.logger.set(sink, min_level);
    }

    pub(crate) fn log(&self, level: LogLevel, line: impl FnOnce() -> String) {
        self.logger.log(level, line);
    }

    /// Sends a call, retrying what may be retried, within the call's time budget.
    pub(crate) fn execute(&self, call: &Call<'_>) -> Result<Reply> {
        let started = Instant::now();
        let deadline = started + call.budget.unwrap_or(self.timeout);
        // One key for all attempts: that is what makes retrying a POST safe.
        let generated;
        let key = match (call.method, call.idempotency_key) {
            (Method::Post, Some(key)) => Some(key),
            (Method::Post, None) => {
                generated = uuid::Uuid::new_v4().to_string();
                Some(generated.as_str())
            }
            _ => None,
        };
        let body = call.body.as_ref().map(|v| v.to_string().into_bytes());
        let name = call.method.as_http();
        let mut retries = 0;
        // Whether any attempt may have been processed: a create whose answer was lost in an
        // early attempt is not known not to exist because a later attempt never connected.
        let mut maybe_processed = false;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            self.log(LogLevel::Debug, || {
                format!("{name} {} (attempt {})", call.path, retries + 1)
            });
            let failure = match self.attempt(call, key, body.as_deref(), remaining) {
                Ok(reply) => {
                    self.log(LogLevel::Info, || {
                        format!(
                            "{name} {} -> {} in {} ms (retries {retries})",
                            call.path,
                            reply.status,
                            started.elapsed().as_millis()
                        )
                    });
                    return Ok(Reply {
                        idempotency_key: key.map(str::to_owned),
                        ..reply
                    });
                }
                Err(failure) => failure,
            };
            maybe_processed |= failure.maybe_processed;
            let error = failure.error;
            // A transient failure is retried while the budget allows; a timeout of the
            // whole budget leaves no time for one.
            if error.is_transient() && retries < self.max_retries {
                let delay = backoff(retries, failure.retry_after);
                if Instant::now() + delay < deadline {
                    self.log(LogLevel::Warn, || {
                        format!(
                            "{name} {} failed ({}); retry {} in {} ms",
                            call.path,
                            error.message(),
                            retries + 1,
                            delay.as_millis()
                        )
                    });
                    std::thread::sleep(delay);
                    retries += 1;
                    continue;
                }
            }
            self.log(LogLevel::Error, || {
                format!(
                    "{name} {} failed after {} ms (retries {retries}): {}",
                    call.path,
                    started.elapsed().as_millis(),
                    error.message()
                )
            });
            // A refusal that a repeat of the same request gets again says the service did
            // not process it; a busy device or a rate limit does not (an earlier attempt may
            // be the reason for them).
            let refused = matches!(error.http_status(), Some(400..=499))
                && !matches!(error.http_status(), Some(409 | 429));
            return Err(error
                .maybe_delivered(maybe_processed && !refused)
                .with_idempotency_key(key));
        }
    }

    fn attempt(
        &self,
        call: &Call<'_>,
        key: Option<&str>,
        body: Option<&[u8]>,
        remaining: Duration,
    ) -> std::result::Result<Reply, Failure> {
        if remaining.is_zero() {
            return Err(timeout_error(self.timeout).into());
        }
        let request = self.build_request(call, key)?;
        // A POST with nothing to send (a cancel, a full refund) still says so: without a body
        // ureq would frame it as chunked (a POST is expected to carry one), which old proxies
        // and gateways refuse; an empty body goes out as `Content-Length: 0`. A GET or a
        // DELETE carries no body and no framing header.
        let body = body.or(match call.method {
            Method::Post | Method::Patch => Some(&[][..]),
            Method::Get | Method::Delete => None,
        });
        // The two body types differ, so each arm builds its own request; `send` runs both.
        let sent = match body {
            Some(bytes) => self.send(request.body(bytes), remaining),
            None => self.send(request.body(SendBody::none()), remaining),
        }?;
        let https = self.https;
        let mut response = sent.map_err(|e| transport_failure(e, self.timeout, https))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let text = read_body(&mut response).map_err(|e| Failure {
            // An answer had begun: the request was received.
            maybe_processed: true,
            ..transport_failure(e, self.timeout, https)
        })?;
        if (200..300).contains(&status) {
            return Ok(Reply {
                status,
                body: text,
                idempotency_key: None,
            });
        }
        Err(Failure {
            retry_after,
            error: status_error(status, text, call.conflict),
            // A 5xx may come after the service acted; a 4xx is a refusal.
            maybe_processed: status >= 500,
        })
    }

    /// Runs a built request within the time left to the call.
    fn send<S: AsSendBody>(
        &self,
        request: http::Result<http::Request<S>>,
        remaining: Duration,
    ) -> std::result::Result<std::result::Result<Response<Body>, ureq::Error>, Failure> {
        let request = request.map_err(http_build_failure)?;
        // The agent's own time limit is the client's `timeout`: an attempt that has (all but
        // a millisecond of) that budget runs as it is, since a per-request limit makes ureq
        // copy the agent's whole configuration into the request.
        if remaining + FULL_BUDGET_SLACK >= self.timeout {
            return Ok(self.agent.run(request));
        }
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(remaining))
            .build();
        Ok(self.agent.run(request))
    }

    fn build_request(&self, call: &Call<'_>, key: Option<&str>) -> Result<http::request::Builder> {
        let base = &self.base_url;
        let mut url = String::with_capacity(base.len() + call.path.len() + 16 * call.query.len());
        url.push_str(base);
        url.push_str(&call.path);
        for (i, (name, value)) in call.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(&encode_query_value(value));
        }
        let headers = &self.headers;
        let mut builder = http::Request::builder()
            .method(call.method.as_http())
            .uri(url)
            .header(http::header::AUTHORIZATION, headers.authorization.clone())
            .header(http::header::ACCEPT, JSON.clone())
            .header(http::header::USER_AGENT, headers.user_agent.clone());
        if call.body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, JSON.clone());
        }
        if let Some(key) = key {
            builder = builder.header("X-Idempotency-Key", key);
        }
        if let Some(scope) = &headers.test_scope {
            builder = builder.header("x-test-scope", scope.clone());
        }
        Ok(builder)
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The whole body as text (invalid UTF-8 replaced, as a C caller needs text), read into one
/// buffer sized from `Content-Length` with a byte to spare for the NUL that turns it into the
/// caller's C string without a copy.
fn read_body(response: &mut Response<Body>) -> std::result::Result<String, ureq::Error> {
    let expected = response.body().content_length().unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.min(MAX_BODY_BYTES) as usize + 1);
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .reader()
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned()))
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    use super::*;

    /// A server that answers every request with `{}` and sends the head of each (request line
    /// and headers, lower-cased) to the returned channel. One request per connection.
    fn head_recorder() -> (String, mpsc::Receiver<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (heads, received) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push(line.trim_end().to_ascii_lowercase());
                }
                let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                              Content-Length: 2\r\nConnection: close\r\n\r\n{}";
                let _ = stream.write_all(answer.as_bytes());
                let _ = heads.send(head);
            }
        });
        (format!("http://127.0.0.1:{port}"), received)
    }

    fn sent_head(
        transport: &Transport,
        heads: &mpsc::Receiver<Vec<String>>,
        call: &Call,
    ) -> Vec<String> {
        transport.execute(call).unwrap();
        heads.recv_timeout(Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn a_post_without_a_body_says_content_length_0_and_is_not_chunked() {
        let (base_url, heads) = head_recorder();
        let options = format!(r#"{{"access_token":"TEST-1","base_url":"{base_url}"}}"#);
        let transport = Transport::new(&Config::from_json(&options).unwrap()).unwrap();
        let framing = |head: &[String]| -> Vec<String> {
            head.iter()
                .filter(|h| h.starts_with("content-length:") || h.starts_with("transfer-encoding:"))
                .cloned()
                .collect()
        };
        // A cancel, a full refund: POSTs with nothing to send.
        let cancel = Call::new(Method::Post, "/v1/orders/ORD1/cancel".into());
        let head = sent_head(&transport, &heads, &cancel);
        assert_eq!(head[0], "post /v1/orders/ord1/cancel http/1.1");
        assert_eq!(framing(&head), ["content-length: 0"], "{head:#?}");
        assert!(
            !head.iter().any(|h| h.starts_with("content-type:")),
            "no body, no content type: {head:#?}"
        );
        // A POST with a body says its length.
        let mut create = Call::new(Method::Post, "/v1/orders".into());
        create.body = Some(serde_json::json!({"a": 1}));
        let head = sent_head(&transport, &heads, &create);
        assert_eq!(framing(&head), ["content-length: 7"], "{head:#?}");
        // A GET and a DELETE carry no framing header at all.
        for method in [Method::Get, Method::Delete] {
            let call = Call::new(method, "/point/integration-api/payment-intents/i".into());
            let head = sent_head(&transport, &heads, &call);
            assert_eq!(framing(&head), Vec::<String>::new(), "{head:#?}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query_value("a b&c=d/ñ"), "a%20b%26c%3Dd%2F%C3%B1");
        assert_eq!(encode_query_value("store-1_2.3~"), "store-1_2.3~");
    }
}
