//! Choosing the compute backend: Burn's `flex` CPU backend by default,
//! libtorch when built with the `tch` feature and asked for.

use burn::prelude::Device;

/// The backends this build can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// Burn's pure-Rust CPU backend.
    Flex,
    /// libtorch on the CPU (feature `tch`).
    Tch,
}

/// An unknown or unavailable backend name.
#[derive(Debug, thiserror::Error)]
#[error("backend {name:?} is not available in this build; available: {available}")]
pub struct BackendError {
    name: String,
    available: String,
}

impl Backend {
    /// The backends compiled into this build.
    pub fn available() -> Vec<Backend> {
        let mut backends = Vec::new();
        if cfg!(feature = "flex") {
            backends.push(Backend::Flex);
        }
        if cfg!(feature = "tch") {
            backends.push(Backend::Tch);
        }
        backends
    }

    /// Parses `flex` or `tch`, checking that the backend is compiled in.
    pub fn parse(name: &str) -> Result<Self, BackendError> {
        let backend = match name.to_ascii_lowercase().as_str() {
            "flex" | "cpu" => Some(Backend::Flex),
            "tch" | "libtorch" | "torch" => Some(Backend::Tch),
            _ => None,
        };
        match backend {
            Some(backend) if Self::available().contains(&backend) => Ok(backend),
            _ => Err(BackendError {
                name: name.to_string(),
                available: Self::available()
                    .iter()
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The backend's name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Tch => "tch",
        }
    }

    /// The device that runs this backend.
    pub fn device(self) -> Device {
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            #[cfg(feature = "tch")]
            #[allow(deprecated)]
            // burn-tch is deprecated upstream but still the libtorch path
            Backend::Tch => Device::libtorch(),
            #[allow(unreachable_patterns)]
            _ => Device::default(),
        }
    }
}

/// The device named by the `JOBFIT_BACKEND` environment variable (`flex` or
/// `tch`), else the first available backend (flex in default builds).
pub fn default_device() -> Device {
    let backend = std::env::var("JOBFIT_BACKEND")
        .ok()
        .and_then(|name| Backend::parse(&name).ok())
        .or_else(|| Backend::available().first().copied())
        .unwrap_or(Backend::Flex);
    backend.device()
}
