//! A scripted HTTP server on loopback: answers each request with the next step of a script,
//! and records what it received. It speaks just enough HTTP/1.1 (one request per connection)
//! to misbehave on purpose: drop connections, stall, send garbage.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Step {
    /// Answer with a status, extra headers and a body.
    Reply(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request, wait, then answer.
    Stall(Duration, u16, String),
}

pub fn reply(status: u16, body: &str) -> Step {
    Step::Reply(status, Vec::new(), body.to_owned())
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Scripted {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    /// Serves `steps` in order; once they run out, every request gets the last step again.
    pub fn start(steps: Vec<Step>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let mut steps: VecDeque<Step> = steps.into();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let step = if steps.len() > 1 {
                    steps.pop_front().unwrap()
                } else {
                    steps
                        .front()
                        .cloned()
                        .expect("a script has at least one step")
                };
                let record = Arc::clone(&record);
                // One thread per connection, so a stalled answer doesn't block the next one.
                thread::spawn(move || serve(stream, step, &record));
            }
        });
        Scripted { port, seen }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, step: Step, record: &Mutex<Vec<Seen>>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    record.lock().unwrap().push(Seen {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let mut stream = stream;
    let (status, extra, body) = match step {
        Step::Drop => return,
        Step::Stall(pause, status, body) => {
            thread::sleep(pause);
            (status, Vec::new(), body)
        }
        Step::Reply(status, extra, body) => (status, extra, body),
    };
    let mut answer = format!(
        "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        answer.push_str(&format!("{name}: {value}\r\n"));
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    let _ = stream.write_all(answer.as_bytes());
}
