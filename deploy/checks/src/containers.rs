//! The components' container images as the tests run them: the list of components
//! (`scripts/components.tsv`, which `scripts/images.sh` and the Dockerfile read too), each
//! image's name, what an image holds, and a container started with podman that is removed when
//! the test ends, passed or not.
//!
//! podman runs with `scripts/containers.conf` (runc, explicit ulimits), as `scripts/images.sh`
//! builds with it.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

/// One deployable component, a row of `scripts/components.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Its name (`gateway`, `auth`, ..., `operator`), which names its image too.
    pub name: String,
    /// The port it listens on in a cluster.
    pub port: u16,
    /// Its binary.
    pub binary: String,
    /// Its Cargo package.
    pub package: String,
    /// `platform` (runs in a local run) or `operator` (only in a cluster).
    pub kind: String,
}

/// Every component, in the file's order.
///
/// # Panics
///
/// The file is missing or a row is malformed.
pub fn components() -> Vec<Component> {
    let path = crate::repository().join("scripts/components.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, port, binary, package, kind] = fields[..] else {
                panic!("{}: not five fields: {line}", path.display());
            };
            Component {
                name: name.to_owned(),
                port: port.parse().unwrap_or_else(|_| panic!("a port in {line}")),
                binary: binary.to_owned(),
                package: package.to_owned(),
                kind: kind.to_owned(),
            }
        })
        .collect()
}

/// The image of the component `name`, as `scripts/images.sh` tags it (`IMAGE_REPOSITORY` and
/// `IMAGE_TAG` override the defaults there and here alike).
pub fn image(name: &str) -> String {
    let repository =
        std::env::var("IMAGE_REPOSITORY").unwrap_or_else(|_| "localhost/mercato".to_owned());
    let tag = std::env::var("IMAGE_TAG").unwrap_or_else(|_| "dev".to_owned());
    format!("{repository}/{name}:{tag}")
}

/// `podman` with the project's container settings.
pub fn podman() -> Command {
    let mut command = Command::new("podman");
    command.env(
        "CONTAINERS_CONF",
        crate::repository().join("scripts/containers.conf"),
    );
    command
}

/// Runs podman with `args`; its output, which must be a success.
///
/// # Panics
///
/// podman cannot be run or fails.
pub fn podman_ok<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = podman();
    command.args(args);
    let output = command.output().unwrap_or_else(|e| {
        panic!("cannot run {command:?} ({e}): scripts/images.sh installs podman")
    });
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Fails the test with the command that builds `image` when it is missing.
///
/// # Panics
///
/// The image is not in podman's storage.
pub fn require_image(image: &str) {
    let present = podman()
        .args(["image", "exists", image])
        .status()
        .expect("podman runs (scripts/images.sh installs it)");
    assert!(
        present.success(),
        "{image} is missing: run scripts/images.sh (scripts/test.sh does before the whole suite)"
    );
}

/// `podman image inspect` of `image`: its configuration (`Config.User`, `Config.Entrypoint`...).
///
/// # Panics
///
/// The image is missing.
pub fn image_config(image: &str) -> Value {
    let output = podman_ok(["image", "inspect", image]);
    let inspected: Value = serde_json::from_slice(&output.stdout).expect("podman prints JSON");
    inspected[0].clone()
}

/// The paths of every file in `image`'s root filesystem (`usr/local/bin/component`, ...).
///
/// # Panics
///
/// The image is missing or cannot be exported.
pub fn image_files(image: &str) -> BTreeSet<String> {
    let created = podman_ok(["create", image]);
    let id = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    let dir = std::env::temp_dir().join(format!("mercato-image-{id}"));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let archive = dir.join("rootfs.tar");
    let exported = podman()
        .args(["export", "--output"])
        .arg(&archive)
        .arg(&id)
        .output();
    let _ = podman().args(["rm", "--force", &id]).output();
    let exported = exported.expect("podman export runs");
    assert!(exported.status.success(), "podman export of {image} failed");
    let listing = Command::new("tar")
        .arg("-tf")
        .arg(&archive)
        .output()
        .expect("tar runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(listing.status.success(), "the export of {image} is a tar");
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|path| {
            path.trim_start_matches("./")
                .trim_end_matches('/')
                .to_owned()
        })
        .filter(|path| !path.is_empty())
        .collect()
}

/// A container started detached; dropping it removes it.
#[derive(Debug)]
pub struct Container {
    /// Its name.
    pub name: String,
}

impl Container {
    /// `podman run --detach --name <name> <options> <image> <command>`.
    ///
    /// # Panics
    ///
    /// podman refuses to start it.
    pub fn run(name: &str, options: &[String], image: &str, command: &[&str]) -> Self {
        let _ = podman().args(["rm", "--force", name]).output();
        let mut args = vec![
            "run".to_owned(),
            "--detach".to_owned(),
            "--name".to_owned(),
            name.to_owned(),
        ];
        args.extend(options.iter().cloned());
        args.push(image.to_owned());
        args.extend(command.iter().map(|arg| (*arg).to_owned()));
        podman_ok(&args);
        Self {
            name: name.to_owned(),
        }
    }

    /// Whether its process still runs.
    pub fn running(&self) -> bool {
        self.state("{{.State.Running}}") == "true"
    }

    /// What it printed so far (stdout then stderr).
    pub fn logs(&self) -> String {
        let output = podman()
            .args(["logs", &self.name])
            .output()
            .expect("podman logs runs");
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// `podman stop`: the image's STOPSIGNAL, then SIGKILL after `grace`; the exit code.
    ///
    /// # Panics
    ///
    /// podman fails to stop it.
    pub fn stop(&self, grace: Duration) -> i32 {
        podman_ok(["stop", "--time", &grace.as_secs().to_string(), &self.name]);
        self.state("{{.State.ExitCode}}")
            .parse()
            .expect("an exit code")
    }

    fn state(&self, format: &str) -> String {
        let output = podman()
            .args(["inspect", "--format", format, &self.name])
            .output()
            .expect("podman inspect runs");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman().args(["rm", "--force", &self.name]).output();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_component_list_names_nine_components_once() {
        let all = components();
        let names: BTreeSet<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), all.len(), "a name appears twice");
        assert_eq!(all.len(), 9);
        assert_eq!(all.iter().filter(|c| c.kind == "platform").count(), 8);
        let gateway = all.iter().find(|c| c.name == "gateway").expect("a gateway");
        assert_eq!(
            (gateway.port, gateway.package.as_str()),
            (4000, "mercato-gateway")
        );
        assert!(image("auth").contains("/auth:"), "{}", image("auth"));
    }
}
