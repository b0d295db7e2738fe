//! Outbound chat channels (the core's `ChatChannel` port).

mod kakao;
mod log;

pub use kakao::Kakao;
pub use log::LogChannel;
