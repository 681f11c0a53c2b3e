//! A real SMTP server of its own for one test: `scripts/smtp-sink.py` on a free port, storing
//! every accepted email in the test's folder for the test to read back.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde::Deserialize;

/// One email the sink accepted, decoded.
#[derive(Debug, Clone, Deserialize)]
pub struct SinkEmail {
    /// Envelope recipients.
    pub rcpt_to: Vec<String>,
    /// `From` header.
    pub from: String,
    /// `To` header.
    pub to: String,
    /// `Subject` header.
    pub subject: String,
    /// `Message-ID` header.
    pub message_id: String,
    /// The plain-text part.
    pub text: Option<String>,
    /// The HTML part.
    pub html: Option<String>,
}

/// A running SMTP sink; stopped and removed when dropped.
#[derive(Debug)]
pub struct TestSmtpSink {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
    reject_suffix: Option<String>,
}

fn python() -> PathBuf {
    std::env::var_os("MERCATO_PYTHON").map_or_else(|| super::venv_bin("python"), PathBuf::from)
}

fn answers_smtp(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    ) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut banner = [0u8; 3];
    stream.read_exact(&mut banner).is_ok() && &banner == b"220"
}

impl TestSmtpSink {
    /// A port nothing listens on right now.
    ///
    /// # Panics
    ///
    /// If no port can be bound.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// A sink on a free port.
    pub async fn start() -> Self {
        Self::start_on(Self::free_port(), None).await
    }

    /// A sink on `port` that answers 550 to recipients ending with `reject_suffix`.
    ///
    /// # Panics
    ///
    /// If the sink does not start (run scripts/deps.sh to install aiosmtpd).
    pub async fn start_on(port: u16, reject_suffix: Option<&str>) -> Self {
        super::telemetry_for_tests();
        let dir =
            std::env::temp_dir().join(format!("mercato-mail-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("the mail folder is created");
        let mut sink = Self {
            port,
            dir,
            child: None,
            reject_suffix: reject_suffix.map(str::to_owned),
        };
        sink.resume().await;
        sink
    }

    /// Stops the server (the stored emails stay readable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port.
    ///
    /// # Panics
    ///
    /// If it does not start within 15 seconds.
    pub async fn resume(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/smtp-sink.py");
        let mut command = Command::new(python());
        command
            .arg(script)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(suffix) = &self.reject_suffix {
            command.args(["--reject-rcpt-suffix", suffix]);
        }
        self.child = Some(
            command
                .spawn()
                .expect("the SMTP sink starts (run scripts/deps.sh)"),
        );
        for _ in 0..150 {
            if answers_smtp(self.port) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the SMTP sink did not answer on port {}", self.port);
    }

    /// Every email accepted so far, oldest first.
    ///
    /// # Panics
    ///
    /// If a stored email cannot be read.
    pub fn emails(&self) -> Vec<SinkEmail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        names.retain(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        });
        names.sort();
        names
            .iter()
            .map(|p| {
                serde_json::from_slice(&std::fs::read(p).expect("readable"))
                    .expect("the sink writes valid JSON")
            })
            .collect()
    }

    /// Waits until at least `count` emails arrived, for at most `timeout`.
    ///
    /// # Panics
    ///
    /// When they do not arrive in time.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<SinkEmail> {
        super::eventually(
            &format!("{count} email(s) at the SMTP sink"),
            timeout,
            || async {
                let emails = self.emails();
                (emails.len() >= count).then_some(emails)
            },
        )
        .await
    }
}

impl Drop for TestSmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
