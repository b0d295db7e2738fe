//! The catalog Spin component.
