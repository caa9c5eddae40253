//! Integration tests for jobfit-model: one test binary, one module per area.

#[path = "../../text/tests/support.rs"]
mod support;

mod checkpoint;
mod loading;
mod multilingual;
mod parity;

/// The device the parity tests run on: libtorch when built with the `tch`
/// feature and `JOBFIT_BACKEND=tch` (see scripts/test-tch.sh), else flex.
pub fn device() -> burn::prelude::Device {
    #[cfg(feature = "tch")]
    if std::env::var("JOBFIT_BACKEND").as_deref() == Ok("tch") {
        #[allow(deprecated)] // burn-tch is deprecated upstream but still the libtorch path
        return burn::prelude::Device::libtorch();
    }
    burn::prelude::Device::flex()
}
