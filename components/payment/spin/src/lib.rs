//! The payment Spin component.
