//! The theater Spin component.
