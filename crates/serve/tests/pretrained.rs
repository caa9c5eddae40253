//! The pretrained all-MiniLM-L6-v2 behind the server (skipped when the model
//! is not fetched, failing under CI): a resume file gets the fitting job first.

use burn::prelude::Device;
use jobfit_model::{BatchOptions, TextEmbedder};
use jobfit_serve::ServeConfig;

use crate::common::{TestServer, matcher, multipart, repo_root};
use crate::documents::{docx, pdf};

#[test]
fn a_pdf_and_a_docx_resume_get_the_fitting_job_first() {
    let dir = std::env::var_os("JOBFIT_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("models/all-MiniLM-L6-v2"));
    if !dir.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing under CI: run scripts/fetch-model.sh",
            dir.display()
        );
        eprintln!("skipping: {} is missing", dir.display());
        return;
    }
    let embedder = TextEmbedder::from_dir(&dir, &Device::flex())
        .unwrap()
        .with_micro_batching(BatchOptions::default())
        .unwrap();
    let server = TestServer::start_with(ServeConfig::default(), matcher(embedder));
    let cases: [(&[&str], &str); 2] = [
        (
            &[
                "Jane Doe",
                "Registered nurse with six years in intensive care.",
                "Patient care, medication administration, monitoring.",
            ],
            "nurse",
        ),
        (
            &[
                "John Roe",
                "Backend developer writing Rust microservices.",
                "Docker and Kubernetes in production.",
            ],
            "rust",
        ),
    ];
    for (paragraphs, expected) in cases {
        for file in [pdf(paragraphs), docx(paragraphs)] {
            let (content_type, body) = multipart(&[("resume", Some("cv"), &file)]);
            let reply = server.call("POST", "/v1/recommend", &content_type, &body);
            assert_eq!(reply.status, 200, "{}", reply.text());
            let first = &reply.json()["recommendations"][0];
            assert_eq!(first["job"]["id"], expected, "{first}");
            assert!(first["evidence"]["resume_sentence"].is_string());
        }
    }
}
