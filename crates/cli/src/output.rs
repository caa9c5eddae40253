//! Output destinations: standard output, or a file written atomically (a
//! temporary file renamed into place when the command succeeds, so a failed
//! run never leaves half an output behind).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// Where a command writes its results.
pub struct Output {
    /// The destination shown in messages.
    path: PathBuf,
    writer: Box<dyn Write>,
    /// For a file: the temporary file that becomes `path` on `finish`.
    temp: Option<PathBuf>,
}

impl Output {
    /// Standard output for `None` or `-`, else an atomic file.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        match path {
            Some(path) if path.as_os_str() != "-" => {
                let name = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .ok_or_else(|| {
                        CliError::Usage(format!("{} is not a file path", path.display()))
                    })?;
                let temp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
                let file = File::create(&temp).map_err(|source| CliError::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
                Ok(Self {
                    path: path.to_path_buf(),
                    writer: Box::new(BufWriter::new(file)),
                    temp: Some(temp),
                })
            }
            _ => Ok(Self {
                path: PathBuf::from("<stdout>"),
                writer: Box::new(BufWriter::new(std::io::stdout())),
                temp: None,
            }),
        }
    }

    fn error(&self, source: std::io::Error) -> CliError {
        CliError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes one line.
    pub fn line(&mut self, text: &str) -> Result<()> {
        let result = self
            .writer
            .write_all(text.as_bytes())
            .and_then(|()| self.writer.write_all(b"\n"));
        result.map_err(|source| self.error(source))
    }

    /// Flushes, and moves a file into place.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|source| self.error(source))?;
        if let Some(temp) = self.temp.take() {
            // Close the file before renaming it.
            self.writer = Box::new(std::io::sink());
            std::fs::rename(&temp, &self.path).map_err(|source| {
                let _ = std::fs::remove_file(&temp);
                self.error(source)
            })?;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // An output dropped without `finish` (an error part-way) leaves no file.
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}
