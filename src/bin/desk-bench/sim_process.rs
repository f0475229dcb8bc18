//! The simulator as a process of its own: the `rightsdesk` binary next to desk-bench's
//! executable, run as `rightsdesk sim --listen 127.0.0.1:0 …` without faults, so that what the
//! sync figures measure is HTTP between two processes on the same cores.

use crate::proc_status_mb;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The `rightsdesk` binary of the same build as this desk-bench (the simulator for `sync`, the
/// server for `serve`).
///
/// Under cargo (`cargo run --release --bin desk-bench -- sync` builds desk-bench only) it is
/// built first, with the same profile into the same target directory: a no-op when it is up to
/// date, and never a stale binary. Run directly, desk-bench uses the binary beside it
/// (`cargo build --release` builds both).
pub fn binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find desk-bench's own executable: {e}"))?;
    let dir = exe.parent().ok_or("desk-bench's executable has no directory")?;
    let sim = dir.join(format!("rightsdesk{}", std::env::consts::EXE_SUFFIX));
    if let Some(cargo) = std::env::var_os("CARGO") {
        build(Path::new(&cargo), dir, &sim);
    }
    if !sim.exists() {
        return Err(format!(
            "no rightsdesk at {}; build it with `cargo build --release` (it builds desk-bench and rightsdesk)",
            sim.display()
        ));
    }
    Ok(sim)
}

/// `cargo build --bin rightsdesk` for the profile and target directory `dir` belongs to
/// (`target/release` → `--release`). A failed build is reported; an existing binary is then
/// used as it is.
fn build(cargo: &Path, dir: &Path, sim: &Path) {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("Cargo.toml");
    let (Some(profile), Some(target_dir)) = (dir.file_name().and_then(|p| p.to_str()), dir.parent()) else {
        return;
    };
    let mut command = Command::new(cargo);
    command.args(["build", "--bin", "rightsdesk", "--manifest-path"]).arg(&manifest);
    command.arg("--target-dir").arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    eprintln!("building rightsdesk (profile {profile}) if it is not up to date");
    match command.stdin(Stdio::null()).stdout(Stdio::null()).status() {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!("cargo build of rightsdesk failed ({status}); using {} as it is", sim.display())
        }
        Err(e) => eprintln!("cannot run cargo ({e}); using {} as it is", sim.display()),
    }
}

/// A running simulator, killed when dropped.
pub struct SimProcess {
    child: Child,
    /// Read once for the listening line; kept open so the simulator never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl SimProcess {
    /// `rightsdesk sim --listen 127.0.0.1:0 --seed S --tickets N --rate R`, no faults, on the
    /// system clock (`RIGHTSDESK_NOW` removed) and the built-in configuration. Returns once it
    /// listens, i.e. once its tickets are generated.
    pub fn start(binary: &Path, seed: u64, tickets: usize, rate_per_min: u64) -> Result<SimProcess, String> {
        let mut child = Command::new(binary)
            .args(["sim", "--listen", "127.0.0.1:0", "--faults", ""])
            .args(["--seed", &seed.to_string()])
            .args(["--tickets", &tickets.to_string()])
            .args(["--rate", &rate_per_min.to_string()])
            .env_remove("RIGHTSDESK_NOW")
            .env_remove("RIGHTSDESK_CONFIG")
            .env("RIGHTSDESK_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the simulator {}: {e}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("the simulator's stdout is not piped")?);
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let base = line.trim().strip_prefix("listening on ").map(str::to_string);
        match (read, base) {
            (Ok(_), Some(base)) => Ok(SimProcess { child, _stdout: stdout, base }),
            (read, _) => {
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(format!(
                    "the simulator did not start ({status}); its first line: {:?}{}",
                    line.trim(),
                    read.err().map(|e| format!(" ({e})")).unwrap_or_default()
                ))
            }
        }
    }

    /// The simulator's resident set in MiB (Linux), None elsewhere.
    pub fn rss_mb(&self) -> Option<f64> {
        proc_status_mb(Some(self.child.id()), "VmRSS")
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
