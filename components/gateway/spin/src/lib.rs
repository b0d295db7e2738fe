//! The gateway Spin component.
