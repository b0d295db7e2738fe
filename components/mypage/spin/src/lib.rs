//! The mypage Spin component.
