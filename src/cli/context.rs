//! Where the data and the configuration are, who is acting, and the log file.

use crate::config::{self, Config};
use crate::engine::{Engine, EngineError};
use crate::remote::Desk;
use crate::time::Clock;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SYSTEM_CONFIG: &str = "/etc/rightsdesk/config.toml";

pub struct Context {
    pub config: Arc<Config>,
    /// Where the overrides were read from, if anywhere (import profiles live there too).
    pub config_dir: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub clock: Clock,
    pub actor: String,
    /// `--as`, when given: a server honours it for a chief only.
    pub as_user: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("configuration problems:\n{0}")]
    Config(#[from] config::ConfigErrors),
    #[error(transparent)]
    Now(#[from] crate::time::BadNow),
    #[error("no data directory: pass --data DIR or set RIGHTSDESK_DATA")]
    NoDataDir,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("cn", "rightsdesk", "rightsdesk")
}

/// The config directory: the one given, else the per-user one when it exists.
pub fn config_dir(given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(dir) => Some(dir.to_path_buf()),
        None => project_dirs().map(|d| d.config_dir().to_path_buf()).filter(|d| d.is_dir()),
    }
}

pub fn default_config_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().to_path_buf())
}

impl Context {
    pub fn new(
        data: Option<&Path>,
        config: Option<&Path>,
        actor: Option<&str>,
    ) -> Result<Context, SetupError> {
        let config_dir = config_dir(config);
        let config = config::load(config_dir.as_deref())?;
        let clock = Clock::from_env()?;
        let data_dir = match data {
            Some(d) => d.to_path_buf(),
            None => match config.settings.data_dir.clone().or_else(system_data_dir) {
                Some(d) => d,
                None => project_dirs().map(|d| d.data_dir().to_path_buf()).ok_or(SetupError::NoDataDir)?,
            },
        };
        let as_user = actor.map(str::to_string);
        let actor = actor.map(str::to_string).unwrap_or_else(login_name);
        Ok(Context { config: Arc::new(config), config_dir, data_dir, clock, actor, as_user })
    }

    pub fn open_engine(&self) -> Result<Engine, EngineError> {
        init_logging(&self.data_dir);
        Engine::open(&self.data_dir, self.config.clone(), self.clock)
    }

    /// `open_engine` with sled's page cache at most `cache_mb` (serve's own limit).
    pub fn open_engine_with_cache(&self, cache_mb: u64) -> Result<Engine, EngineError> {
        let mut config = (*self.config).clone();
        config.settings.store_cache_mb = config.settings.store_cache_mb.min(cache_mb);
        init_logging(&self.data_dir);
        Engine::open(&self.data_dir, Arc::new(config), self.clock)
    }

    /// The server's engine when `serve` runs for this data directory, else one of our own.
    pub fn open_desk(&self) -> Result<Desk, EngineError> {
        self.init_desk_logging();
        Desk::open(&self.data_dir, self.config.clone(), self.clock, &self.actor, self.as_user.as_deref())
    }

    /// `open_desk` for a bulk load: an engine of our own keeps sled's page cache within
    /// `cache_mb` (a server keeps its own settings).
    pub fn open_desk_for_bulk_load(&self, cache_mb: u64) -> Result<Desk, EngineError> {
        let mut config = (*self.config).clone();
        config.settings.store_cache_mb = config.settings.store_cache_mb.min(cache_mb);
        self.init_desk_logging();
        Desk::open(
            &self.data_dir,
            std::sync::Arc::new(config),
            self.clock,
            &self.actor,
            self.as_user.as_deref(),
        )
    }

    /// A clerk attached to a shared server may not write DATA/logs: a client logs to the
    /// user's own state directory.
    fn init_desk_logging(&self) {
        if crate::remote::wire::socket_path(&self.data_dir).exists() {
            init_client_logging();
        } else {
            init_logging(&self.data_dir);
        }
    }
}

/// `data_dir` from the system config of a shared deployment.
fn system_data_dir() -> Option<PathBuf> {
    let text = std::fs::read_to_string(SYSTEM_CONFIG).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table.get("data_dir")?.as_str().map(PathBuf::from)
}

pub fn login_name() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.trim().is_empty()
        {
            return name;
        }
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    // A shell without USER (cron, a service, `su -c`): the account's name, as a server would
    // see it behind the socket.
    crate::remote::sessions::login_of(uid).unwrap_or_else(|| format!("uid:{uid}"))
}

/// Logs go to DATA/logs, never to the terminal (and never with personal data).
pub fn init_logging(data_dir: &Path) {
    log_to(&data_dir.join("logs"));
}

/// A client's logs go to the user's own state directory (`~/.local/state/rightsdesk` on
/// Linux), never to the shared data directory, which a clerk may not write.
pub fn init_client_logging() {
    if let Some(dir) = client_log_dir() {
        log_to(&dir);
    }
}

/// Where a client's logs go.
pub fn client_log_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.state_dir().unwrap_or_else(|| d.data_local_dir()).join("logs"))
}

/// Logs into `logs`, or nowhere when it cannot be written: a command must not fail (or panic)
/// for want of a log file.
fn log_to(logs: &Path) {
    if crate::private::create_dir(logs).is_err() {
        return;
    }
    let built = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("rightsdesk.log")
        .build(logs);
    let Ok(appender) = built else { return };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIGHTSDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_writer(appender).with_ansi(false).with_env_filter(filter).try_init();
}
