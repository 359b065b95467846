//! One-time sign-in tokens: random, sent once by e-mail, stored only as a hash.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random token (256 bits, URL-safe) to put in a sign-in link.
pub fn new_sign_in_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token. A plain SHA-256 is enough: the token has 256 bits of
/// entropy, so it cannot be guessed from its hash, and lookup stays one index probe.
pub fn hash_sign_in_token(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = new_sign_in_token();
        let b = new_sign_in_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_sign_in_token(&a), hash_sign_in_token(&a));
        assert_ne!(hash_sign_in_token(&a), hash_sign_in_token(&b));
        assert_eq!(hash_sign_in_token(&a).len(), 64);
    }
}
