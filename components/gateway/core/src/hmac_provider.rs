//! The `jsonwebtoken` crypto provider the gateway installs: HS256 only (RustCrypto's `hmac` +
//! `sha2`), through the crate's documented [`CryptoProvider`] extension point.
//!
//! The crate's `rust_crypto` feature links RSA, ECDSA and EdDSA as well (signature checks are
//! dispatched on the token's algorithm at run time, so the linker cannot drop them): 900 KB of
//! wasm for algorithms the gateway refuses anyway. With this provider any other algorithm
//! (HS384 and HS512 included: SHA-512 alone is ~10 KB of wasm) is an `InvalidAlgorithm` error;
//! [`TokenService`](crate::token::TokenService) accepts and issues HS256 only.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::Sha256;
use signature::{Signer, Verifier};

/// HS256 only.
pub static HMAC_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes [`HMAC_ONLY`] the process's provider (idempotent).
pub fn install() {
    // `Err` means a provider is installed already: ours, by an earlier call.
    let _ = HMAC_ONLY.install_default();
}

struct HmacKey {
    algorithm: Algorithm,
    key: Hmac<Sha256>,
}

impl HmacKey {
    fn new(algorithm: Algorithm, secret: &[u8]) -> Result<Self> {
        if algorithm != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        let key = Hmac::new_from_slice(secret)
            .map_err(|_| jsonwebtoken::errors::Error::from(ErrorKind::InvalidKeyFormat))?;
        Ok(Self { algorithm, key })
    }

    fn mac(&self, msg: &[u8]) -> Vec<u8> {
        let mut mac = self.key.clone();
        mac.update(msg);
        mac.finalize().into_bytes().to_vec()
    }

    fn check(&self, msg: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.key.clone();
        mac.update(msg);
        // Constant-time comparison (`subtle`, inside `hmac`).
        mac.verify_slice(tag).is_ok()
    }
}

impl Signer<Vec<u8>> for HmacKey {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(self.mac(msg))
    }
}

impl Verifier<Vec<u8>> for HmacKey {
    fn verify(&self, msg: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        if self.check(msg, tag) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtSigner for HmacKey {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

impl JwtVerifier for HmacKey {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    Ok(Box::new(HmacKey::new(*algorithm, key.as_bytes())?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    Ok(Box::new(HmacKey::new(*algorithm, key.try_get_as_bytes()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let key = HmacKey::new(Algorithm::HS256, b"Jefe").unwrap();
        let tag = key.mac(b"what do ya want for nothing?");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(key.check(b"what do ya want for nothing?", &tag));
        assert!(!key.check(b"what do ya want for nothing!", &tag));
    }

    #[test]
    fn every_algorithm_but_hs256_is_refused() {
        for alg in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::EdDSA,
        ] {
            let e = HmacKey::new(alg, b"0123456789abcdef0123456789abcdef").err();
            assert_eq!(e.map(|e| e.into_kind()), Some(ErrorKind::InvalidAlgorithm));
        }
    }
}
