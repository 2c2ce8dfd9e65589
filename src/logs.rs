//! Logs through `tracing`: human-readable lines (the default) or one JSON
//! object a line (`--log-format json`) on standard error, filtered by
//! `RUST_LOG` as before. The `log` macros used across the code reach the same
//! output through the log bridge, inside the span of the request they serve
//! (`request{id=…}`, the id shown on error pages).

use tracing_subscriber::EnvFilter;

/// What `RUST_LOG` is when it is not set.
pub const DEFAULT_FILTER: &str = "info,actix_web::middleware::logger=warn,actix_server=warn";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event, with its spans.
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, target, fields, the current span and its parents.
    Json,
}

/// Install the subscriber (once; later calls do nothing).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
    };
}
