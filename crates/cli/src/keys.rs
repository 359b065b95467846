//! The development signing key: generated once and kept in the data folder, readable by
//! its owner only, so that sessions survive a restart without any configuration.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use entraide_http::auth::JwtSecret;
use rand::RngCore;

/// File name of the generated key inside the data folder.
pub const DEV_KEY_FILE: &str = "jwt-secret";

/// Reads the key kept in `data_dir`, creating it (mode 0600) on first use.
pub fn load_or_create_dev_secret(data_dir: &Path) -> anyhow::Result<JwtSecret> {
    let path = data_dir.join(DEV_KEY_FILE);
    if !path.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let mut bytes = [0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        let created = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match created {
            Ok(mut file) => {
                file.write_all(STANDARD.encode(bytes).as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
                tracing::info!(path = %path.display(), "generated a development signing key");
            }
            // Another process created it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(error).with_context(|| format!("creating {}", path.display()))
            }
        }
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    JwtSecret::new(text.trim().as_bytes().to_vec())
        .map_err(|reason| anyhow::anyhow!("{}: {reason}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_is_created_once_with_owner_only_permissions() {
        let folder = tempfile::tempdir().unwrap();
        let first = load_or_create_dev_secret(folder.path()).unwrap();
        let second = load_or_create_dev_secret(folder.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        let mode = std::fs::metadata(folder.path().join(DEV_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
