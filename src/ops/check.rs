//! `selfreg check`.

use crate::config::Options;

pub fn run(_opts: &Options) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
