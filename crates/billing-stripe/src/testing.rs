//! Test support: localstripe, a stateful fake Stripe server, started on a free port; a receiver
//! for the webhooks it sends; and the official stripe SDK (Python) as an independent signer and
//! verifier of webhook signatures.
//!
//! Both come from the virtualenv `tools/stripe-venv` builds (pinned localstripe and stripe). It
//! is built once per machine and checked once per process; when it cannot be built, the caller
//! panics: these tests never skip.
//!
//! Every [`LocalStripe`] is its own process with its own empty store, so tests run in parallel.
//! localstripe would pickle its whole store to the fixed path `/tmp/localstripe.pickle` after
//! every write (and read it back at start without `--from-scratch`): parallel instances would
//! all write the same file, fail outright when another user owns it, and leave a developer's own
//! localstripe a store full of test data. It is started through a small launcher that turns that
//! persistence off (and that exits when the test process is gone).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::{RetryPolicy, StripeConfig};

/// The secret key the tests use: localstripe takes any `sk_…` key.
pub const SECRET_KEY: &str = "sk_test_tollgate_localstripe";

/// How long localstripe may take to answer its readiness probe.
const READY_WITHIN: Duration = Duration::from_secs(20);
/// Each request's time limit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Starts localstripe's server with its on-disk persistence turned off, and ends it when the
/// process that started it (the test binary, whose pid it is given: it may be gone before
/// Python is up) is gone, even if that one was killed.
const LAUNCHER: &str = r#"
import os, sys, threading, time
parent = int(os.environ["TOLLGATE_LOCALSTRIPE_PARENT"])
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
import localstripe.resources as resources
resources.Store.try_load_from_disk = lambda self: None
resources.Store.dump_to_disk = lambda self: None
from localstripe.server import start
sys.exit(start())
"#;

/// The bin directory of the Stripe virtualenv (`python`, `localstripe`), made by
/// `tools/stripe-venv` on first use in this process.
///
/// # Panics
/// When the virtualenv cannot be built: the message carries the tool's output.
pub fn stripe_venv_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/stripe-venv");
        let out = Command::new("bash")
            .arg(&tool)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            panic!(
                "{} failed ({}); the localstripe and stripe SDK tests need it \
                 (Python 3 with venv, and PyPI or a pip cache):\n{stderr}{stdout}",
                tool.display(),
                out.status
            );
        }
        let bin = PathBuf::from(stdout.trim());
        for exe in ["python", "localstripe"] {
            if !bin.join(exe).is_file() {
                panic!(
                    "{} answered {:?}, which has no {exe}:\n{stderr}",
                    tool.display(),
                    bin.display()
                );
            }
        }
        bin
    })
    .clone()
}

fn python() -> PathBuf {
    stripe_venv_bin().join("python")
}

/// Runs `script` with the venv's Python, `args` after it and `stdin` as its standard input.
fn run_python(script: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the venv's python: {e}"));
    let mut input = child.stdin.take().unwrap_or_else(|| unreachable!("piped"));
    let payload = stdin.to_vec();
    // Written from another thread so a large payload cannot dead-lock against the output.
    let writer = std::thread::spawn(move || input.write_all(&payload));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("the venv's python failed to run: {e}"));
    match writer.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("cannot pass the payload to python: {e}"),
        Err(_) => panic!("the thread passing the payload to python panicked"),
    }
    out
}

/// The `Stripe-Signature` header stripe-python makes for `payload` with `secret` at unix time
/// `t` (`stripe.WebhookSignature.generate_signature_header`).
///
/// # Panics
/// When the SDK cannot be run or fails.
pub fn sign_with_stripe_sdk(payload: &[u8], secret: &str, t: i64) -> String {
    const SCRIPT: &str = r#"
import sys, stripe
payload = sys.stdin.buffer.read().decode("utf-8")
print(stripe.WebhookSignature.generate_signature_header(payload, sys.argv[1], timestamp=int(sys.argv[2])))
"#;
    let out = run_python(SCRIPT, &[secret, &t.to_string()], payload);
    if !out.status.success() {
        panic!(
            "stripe-python could not sign ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Whether stripe-python accepts `header` for the raw `payload` with `secret`
/// (`stripe.Webhook.construct_event`, its default tolerance of 300 s for old timestamps).
///
/// # Panics
/// When the SDK fails for any other reason than refusing the signature (so a broken check can
/// never pass as a refusal).
pub fn verify_with_stripe_sdk(payload: &[u8], header: &str, secret: &str) -> bool {
    const SCRIPT: &str = r#"
import sys, stripe
payload = sys.stdin.buffer.read()
try:
    event = stripe.Webhook.construct_event(payload, sys.argv[1], sys.argv[2])
except stripe.SignatureVerificationError as e:
    print(f"refused: {e}", file=sys.stderr)
    sys.exit(3)
print(event.id)
"#;
    let out = run_python(SCRIPT, &[header, secret], payload);
    match out.status.code() {
        Some(0) => true,
        Some(3) => false,
        _ => panic!(
            "stripe-python failed to verify ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A free TCP port on the loopback interface (free when asked; localstripe binds it next).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("cannot bind a free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("no local address: {e}"))
        .port()
}

/// `application/x-www-form-urlencoded`, Stripe's flattened keys (`items[0][plan]`) included.
pub fn form_encode(form: &[(&str, &str)]) -> String {
    fn escape(out: &mut String, s: &str) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in form.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape(&mut out, k);
        out.push('=');
        escape(&mut out, v);
    }
    out
}

/// An HTTP answer: status and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// One HTTP/1.0 request on a fresh connection to `127.0.0.1:port`, read to the end.
async fn http(
    port: u16,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Answer, String> {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let mut request = format!(
            "{method} {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        );
        for (k, v) in headers {
            let _ = write!(request, "{k}: {v}\r\n");
        }
        let _ = write!(request, "Content-Length: {}\r\n\r\n{body}", body.len());
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("send: {e}"))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .await
            .map_err(|e| format!("read: {e}"))?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| format!("no HTTP header in {text:?}"))?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| format!("no HTTP status in {head:?}"))?;
        Ok(Answer {
            status,
            body: body.to_owned(),
        })
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("no answer within {REQUEST_TIMEOUT:?}"))?
}

/// A running localstripe with an empty store, ended when dropped. Its log stays in the temp
/// directory (and its path is printed) when the test panics.
#[derive(Debug)]
pub struct LocalStripe {
    /// `http://127.0.0.1:<port>`: the API base for [`StripeConfig::api_base`].
    pub url: String,
    pub secret_key: String,
    pub port: u16,
    log: PathBuf,
    child: Child,
}

impl LocalStripe {
    /// Starts one on a free port and waits until it answers.
    ///
    /// # Panics
    /// When the virtualenv cannot be built or localstripe does not come up (three tries, each
    /// on a new port); the message carries its log.
    pub async fn start() -> Self {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let bin = tokio::task::spawn_blocking(stripe_venv_bin)
            .await
            .unwrap_or_else(|e| panic!("the Stripe virtualenv: {e}"));
        let mut failures = Vec::new();
        for _ in 0..3 {
            let port = free_port();
            let n = STARTED.fetch_add(1, Ordering::Relaxed);
            let log = std::env::temp_dir().join(format!(
                "tollgate-localstripe-{}-{n}-{port}.log",
                std::process::id()
            ));
            let file = std::fs::File::create(&log)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
            let err = file
                .try_clone()
                .unwrap_or_else(|e| panic!("cannot share {}: {e}", log.display()));
            let child = Command::new(bin.join("python"))
                .arg("-c")
                .arg(LAUNCHER)
                .args(["--port", &port.to_string(), "--from-scratch"])
                .env(
                    "TOLLGATE_LOCALSTRIPE_PARENT",
                    std::process::id().to_string(),
                )
                .current_dir(std::env::temp_dir())
                .stdin(Stdio::null())
                .stdout(file)
                .stderr(err)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start localstripe: {e}"));
            let mut me = Self {
                url: format!("http://127.0.0.1:{port}"),
                secret_key: SECRET_KEY.to_owned(),
                port,
                log,
                child,
            };
            match me.wait_ready().await {
                Ok(()) => {
                    tracing::debug!(port, "localstripe is up");
                    return me;
                }
                Err(why) => {
                    let log = std::fs::read_to_string(&me.log).unwrap_or_default();
                    failures.push(format!("port {port}: {why}\n{log}"));
                }
            }
        }
        panic!("localstripe did not start:\n{}", failures.join("\n---\n"));
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .map_err(|e| format!("cannot watch the process: {e}"))?
            {
                return Err(format!("localstripe exited ({status})"));
            }
            // Stripe.js, served without auth and without side effects.
            let last = match http(self.port, "GET", "/js.stripe.com/v3/", &[], "").await {
                Ok(a) if a.status == 200 => return Ok(()),
                Ok(a) => format!("probe answered {}", a.status),
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                return Err(format!("not ready after {READY_WITHIN:?} ({last})"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The adapter's configuration for this server (the default retry policy).
    pub fn config(&self) -> StripeConfig {
        StripeConfig {
            secret_key: self.secret_key.clone(),
            api_base: Some(self.url.clone()),
            retry: RetryPolicy::default(),
        }
    }

    /// Where its output goes.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// A request with the secret key; `form` goes in the query for GET and DELETE and in a
    /// form body otherwise. Answers status and body whatever the status.
    ///
    /// # Errors
    /// When localstripe cannot be reached or answers no HTTP.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Answer, String> {
        let auth = format!("Bearer {}", self.secret_key);
        let encoded = form_encode(form);
        if matches!(method, "GET" | "DELETE") {
            let target = if encoded.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{encoded}")
            };
            http(self.port, method, &target, &[("Authorization", &auth)], "").await
        } else {
            http(
                self.port,
                method,
                path,
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                &encoded,
            )
            .await
        }
    }

    /// A request answered with 2xx JSON.
    ///
    /// # Panics
    /// On any other answer, with localstripe's body.
    pub async fn json(&self, method: &str, path: &str, form: &[(&str, &str)]) -> Value {
        let answer = self
            .request(method, path, form)
            .await
            .unwrap_or_else(|e| panic!("localstripe {method} {path}: {e}"));
        if !(200..300).contains(&answer.status) {
            panic!(
                "localstripe {method} {path} answered {}: {}",
                answer.status, answer.body
            );
        }
        serde_json::from_str(&answer.body).unwrap_or_else(|e| {
            panic!(
                "localstripe {method} {path} answered no JSON ({e}): {}",
                answer.body
            )
        })
    }

    /// `POST path` with a form (`/v1/customers`, `[("email", "a@b.test")]`).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Value {
        self.json("POST", path, form).await
    }

    /// `GET path?query`.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.json("GET", path, query).await
    }

    /// Sends every event to `url`, signed with `secret` (localstripe's `/_config/webhooks`).
    /// Deliveries leave about a second after the call that made the event, and are not
    /// retried.
    ///
    /// # Panics
    /// When localstripe refuses it.
    pub async fn register_webhook(&self, id: &str, url: &str, secret: &str) {
        let body = form_encode(&[("url", url), ("secret", secret)]);
        let path = format!("/_config/webhooks/{id}");
        let answer = http(
            self.port,
            "POST",
            &path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &body,
        )
        .await
        .unwrap_or_else(|e| panic!("localstripe POST {path}: {e}"));
        if answer.status != 200 {
            panic!(
                "localstripe refused the webhook ({}): {}",
                answer.status, answer.body
            );
        }
    }

    /// Every event so far, oldest first (localstripe lists in creation order).
    pub async fn events(&self) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        loop {
            let after = all.last().and_then(|e| e["id"].as_str()).map(str::to_owned);
            let mut query = vec![("limit", "100")];
            if let Some(after) = &after {
                query.push(("starting_after", after));
            }
            let page = self.get("/v1/events", &query).await;
            let data = page["data"].as_array().cloned().unwrap_or_default();
            let more = page["has_more"].as_bool().unwrap_or(false) && !data.is_empty();
            all.extend(data);
            if !more {
                return all;
            }
        }
    }

    /// The events of type `kind`, oldest first.
    pub async fn events_of(&self, kind: &str) -> Vec<Value> {
        let mut events = self.events().await;
        events.retain(|e| e["type"] == kind);
        events
    }

    /// A legacy plan (localstripe has no prices; a plan id works where a price id goes), with
    /// its product made inline.
    pub async fn create_plan(
        &self,
        id: &str,
        amount: i64,
        currency: &str,
        interval: &str,
        product_name: &str,
    ) -> Value {
        self.post_form(
            "/v1/plans",
            &[
                ("id", id),
                ("amount", &amount.to_string()),
                ("currency", currency),
                ("interval", interval),
                ("product[name]", product_name),
            ],
        )
        .await
    }

    /// Attaches the test card `pm_card_visa` to `customer` and makes it the default for
    /// invoices, so subscriptions get paid at once.
    pub async fn give_card(&self, customer: &str) {
        self.post_form(
            "/v1/payment_methods/pm_card_visa/attach",
            &[("customer", customer)],
        )
        .await;
        self.post_form(
            &format!("/v1/customers/{customer}"),
            &[("invoice_settings[default_payment_method]", "pm_card_visa")],
        )
        .await;
    }

    /// A subscription of `customer` to `plan` (one item), with `metadata`.
    pub async fn create_subscription(
        &self,
        customer: &str,
        plan: &str,
        metadata: &[(&str, &str)],
    ) -> Value {
        let keys: Vec<String> = metadata
            .iter()
            .map(|(k, _)| format!("metadata[{k}]"))
            .collect();
        let mut form = vec![("customer", customer), ("items[0][plan]", plan)];
        form.extend(
            keys.iter()
                .map(String::as_str)
                .zip(metadata.iter().map(|(_, v)| *v)),
        );
        self.post_form("/v1/subscriptions", &form).await
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "localstripe on port {} logged to {}",
                self.port,
                self.log.display()
            );
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// One webhook delivery as received.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: String,
    /// The `Stripe-Signature` header.
    pub signature: Option<String>,
    /// The raw body, exactly as sent (what the signature covers).
    pub body: Vec<u8>,
}

/// An HTTP endpoint on a free loopback port that answers 200 to every request and hands each
/// over as a [`Delivery`]. Stops when dropped.
#[derive(Debug)]
pub struct WebhookReceiver {
    /// `http://127.0.0.1:<port>/webhooks/stripe`.
    pub url: String,
    deliveries: mpsc::UnboundedReceiver<Delivery>,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookReceiver {
    /// # Panics
    /// When no port can be bound.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("cannot bind the webhook receiver: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"))
            .port();
        let (tx, deliveries) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    match receive(stream).await {
                        Ok(d) => {
                            let _ = tx.send(d);
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable webhook delivery"),
                    }
                });
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/webhooks/stripe"),
            deliveries,
            task,
        }
    }

    /// The next delivery, or `None` when none arrives within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Delivery> {
        tokio::time::timeout(wait, self.deliveries.recv())
            .await
            .ok()
            .flatten()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (headers, then `Content-Length` bytes of body) and answers 200.
async fn receive(mut stream: TcpStream) -> Result<Delivery, String> {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0_u8; 8192];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("closed before the headers ended".to_owned());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or_default()
            .to_owned();
        let mut length = 0_usize;
        let mut signature = None;
        for line in lines {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                length = v.parse().map_err(|_| format!("content-length {v:?}"))?;
            } else if k == "stripe-signature" {
                signature = Some(v.to_owned());
            } else if k == "transfer-encoding" {
                return Err(format!("transfer-encoding {v} is not read here"));
            }
        }
        let mut body = buf.split_off(head_end + 4);
        while body.len() < length {
            let n = stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("closed before the body ended".to_owned());
            }
            body.extend_from_slice(&chunk[..n]);
        }
        body.truncate(length);
        Ok(Delivery {
            path,
            signature,
            body,
        })
    };
    let delivery = tokio::time::timeout(REQUEST_TIMEOUT, read)
        .await
        .map_err(|_| "timed out".to_owned())??;
    let _ = stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await;
    let _ = stream.shutdown().await;
    Ok(delivery)
}
