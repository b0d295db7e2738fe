//! The reservation Spin component.
