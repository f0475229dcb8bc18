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
        let actor = actor.map(str::to_string).unwrap_or_else(login_name);
        Ok(Context { config: Arc::new(config), config_dir, data_dir, clock, actor })
    }

    pub fn open_engine(&self) -> Result<Engine, EngineError> {
        init_logging(&self.data_dir);
        Engine::open(&self.data_dir, self.config.clone(), self.clock)
    }

    /// The server's engine when `serve` runs for this data directory, else one of our own.
    pub fn open_desk(&self) -> Result<Desk, EngineError> {
        init_logging(&self.data_dir);
        Desk::open(&self.data_dir, self.config.clone(), self.clock)
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
    format!("uid:{}", unsafe { libc::getuid() })
}

/// Logs go to DATA/logs, never to the terminal (and never with personal data).
pub fn init_logging(data_dir: &Path) {
    let logs = data_dir.join("logs");
    if crate::private::create_dir(&logs).is_err() {
        return;
    }
    // The builder, unlike `rolling::daily`, reports a log file it cannot open instead of
    // panicking: a clerk of a shared data directory may not write its logs.
    let Ok(appender) = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("rightsdesk.log")
        .build(logs)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIGHTSDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_writer(appender).with_ansi(false).with_env_filter(filter).try_init();
}
