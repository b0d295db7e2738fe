//! The `jsonwebtoken` crypto provider the gateway installs: the HMAC family only (RustCrypto's
//! `hmac` + `sha2`), through the crate's documented [`CryptoProvider`] extension point.
//!
//! The crate's `rust_crypto` feature links RSA, ECDSA and EdDSA as well (signature checks are
//! dispatched on the token's algorithm at run time, so the linker cannot drop them): 900 KB of
//! wasm for algorithms the gateway refuses anyway. With this provider any other algorithm is an
//! `InvalidAlgorithm` error, and [`TokenService`](crate::token::TokenService) accepts HS256 only.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::{Sha256, Sha384, Sha512};
use signature::{Signer, Verifier};

/// HS256/HS384/HS512 only.
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

enum Key {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

struct HmacKey {
    algorithm: Algorithm,
    key: Key,
}

impl HmacKey {
    fn new(algorithm: Algorithm, secret: &[u8]) -> Result<Self> {
        let bad = |_| jsonwebtoken::errors::Error::from(ErrorKind::InvalidKeyFormat);
        let key = match algorithm {
            Algorithm::HS256 => Key::Hs256(Hmac::new_from_slice(secret).map_err(bad)?),
            Algorithm::HS384 => Key::Hs384(Hmac::new_from_slice(secret).map_err(bad)?),
            Algorithm::HS512 => Key::Hs512(Hmac::new_from_slice(secret).map_err(bad)?),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        };
        Ok(Self { algorithm, key })
    }

    fn mac(&self, msg: &[u8]) -> Vec<u8> {
        fn run<M: Mac + Clone>(mac: &M, msg: &[u8]) -> Vec<u8> {
            let mut mac = mac.clone();
            mac.update(msg);
            mac.finalize().into_bytes().to_vec()
        }
        match &self.key {
            Key::Hs256(m) => run(m, msg),
            Key::Hs384(m) => run(m, msg),
            Key::Hs512(m) => run(m, msg),
        }
    }

    fn check(&self, msg: &[u8], tag: &[u8]) -> bool {
        fn run<M: Mac + Clone>(mac: &M, msg: &[u8], tag: &[u8]) -> bool {
            let mut mac = mac.clone();
            mac.update(msg);
            // Constant-time comparison (`subtle`, inside `hmac`).
            mac.verify_slice(tag).is_ok()
        }
        match &self.key {
            Key::Hs256(m) => run(m, msg, tag),
            Key::Hs384(m) => run(m, msg, tag),
            Key::Hs512(m) => run(m, msg, tag),
        }
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
    fn asymmetric_algorithms_are_refused() {
        for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            let e = HmacKey::new(alg, b"0123456789abcdef0123456789abcdef").err();
            assert_eq!(e.map(|e| e.into_kind()), Some(ErrorKind::InvalidAlgorithm));
        }
    }
}
