//! Job recommendation and candidate screening for jobfit.
