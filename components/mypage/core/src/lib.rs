//! The mypage bounded context's domain core.
