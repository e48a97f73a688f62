//! Hostile schedules: every file of the corpus is refused with its message, through the real
//! command line, and the stored schedule is byte-identical afterwards.

use std::path::Path;

use crate::helpers::{sample_schedule_path, spawn_app};

#[tokio::test]
async fn every_hostile_schedule_is_refused_with_its_message_and_nothing_changes() {
    // Arrange: a good schedule is live.
    let app = spawn_app().await;
    assert!(app
        .cli(&[
            "schedule",
            "import",
            sample_schedule_path().to_str().unwrap()
        ])
        .status
        .success());
    let before = app.cli(&["schedule", "show", "--json"]).stdout;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schedules/hostile");
    let expected = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    let cases: Vec<(&str, &str)> = expected
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('\t').expect("file<TAB>message"))
        .collect();
    assert!(cases.len() >= 30, "the corpus has {} files", cases.len());

    for (file, message) in cases {
        // Act (the corpus is written for a 64 KiB limit: one file is just over it)
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
            .arg("--config")
            .arg(&app.config_path)
            .args(["schedule", "import", dir.join(file).to_str().unwrap()])
            .env("HALLWAY__SCHEDULE__MAX_BYTES", "65536")
            .env("HALLWAY__DATABASE__URL", &app.db_url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap();

        // Assert
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} was accepted");
        assert!(
            stderr.contains(message),
            "{file}: expected '{message}' in: {stderr}"
        );
        assert!(stderr.contains("nothing was changed"), "{file}: {stderr}");
        assert_eq!(
            before,
            app.cli(&["schedule", "show", "--json"]).stdout,
            "{file} changed the schedule"
        );
    }
}

#[tokio::test]
async fn a_file_over_the_configured_limit_is_refused_before_parsing() {
    let app = spawn_app().await;
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), vec![b' '; 5000]).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hallway"))
        .arg("--config")
        .arg(&app.config_path)
        .args(["schedule", "import", big.path().to_str().unwrap()])
        .env("HALLWAY__SCHEDULE__MAX_BYTES", "2048")
        .env("HALLWAY__DATABASE__URL", &app.db_url)
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("more than the limit of 2048 bytes"),
        "{stderr}"
    );
}
