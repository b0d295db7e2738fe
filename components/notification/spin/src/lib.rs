//! The notification Spin component.
