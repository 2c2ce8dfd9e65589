//! `selfreg backup --to FILE`.

use crate::config::Options;

pub fn run(_opts: &Options, _to: &std::path::Path) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
