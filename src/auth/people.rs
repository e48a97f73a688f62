//! The registration list: e-mail normalisation, registration codes (argon2), the CSV import
//! behind `hallway users import`, and the person → session user mapping.
//!
//! The CSV has a header row naming the columns `email`, `name`, `code`, `roles`, `tracks`,
//! `speaker_of` (any order; only `email` and `name` are required). Lists inside a cell are
//! separated by `;`. Every row is checked before anything is written: one bad row, reported
//! with its line number, and nothing is imported. A re-import updates people by e-mail address;
//! an empty code keeps the code a person had.

use std::collections::HashMap;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Utc};

use crate::auth::store::{self, Person};
use crate::auth::user::{SessionUser, UserRole};
use crate::db::Db;

/// Normalises an e-mail address for lookups: trimmed, lower case, `+tag` removed from the
/// local part. `None` when it is not an address.
pub fn normalise_email(raw: &str) -> Option<String> {
    let raw = raw.trim().to_lowercase();
    let (local, domain) = raw.rsplit_once('@')?;
    let local = local.split('+').next().unwrap_or_default();
    let bad = |s: &str| {
        s.is_empty()
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@')
    };
    if bad(local)
        || bad(domain)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

/// Hashes a registration code (argon2id, random salt) into a PHC string.
pub fn hash_code(code: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(normalise_code(code).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a registration code: {e}"))
}

/// Whether `code` matches the stored hash (`None`: checks a dummy hash, so an unknown address
/// takes as long as a wrong code).
pub fn verify_code(code: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_code("not-a-code").unwrap_or_default());
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let ok = PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(normalise_code(code).as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

/// Codes are compared without surrounding spaces.
fn normalise_code(code: &str) -> &str {
    code.trim()
}

/// The session user a person logs in as: their highest role (attendee when none is listed).
pub fn session_user(p: &Person) -> SessionUser {
    SessionUser {
        id: p.id.clone(),
        name: p.name.clone(),
        role: p.roles.iter().copied().max().unwrap_or(UserRole::Attendee),
        email: Some(p.email.clone()),
        tracks: p.tracks.clone(),
        speaker_of: p.speaker_of.clone(),
    }
}

/// One parsed CSV row.
#[derive(Clone, Debug)]
pub struct Row {
    /// 1-based line in the file.
    pub line: u64,
    /// Normalised address.
    pub email: String,
    /// Name.
    pub name: String,
    /// The code in clear (hashed before storing), if given.
    pub code: Option<String>,
    /// Roles (attendee when none).
    pub roles: Vec<UserRole>,
    /// Tracks moderated.
    pub tracks: Vec<String>,
    /// Guids or person names.
    pub speaker_of: Vec<String>,
}

fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses the whole file; every problem is reported as `line N: …`.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Row>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(e) => return Err(vec![format!("line 1: cannot read the header row: {e}")]),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let known = ["email", "name", "code", "roles", "tracks", "speaker_of"];
    let mut errors: Vec<String> = headers
        .iter()
        .filter(|h| !known.contains(&h.as_str()))
        .map(|h| format!("line 1: unknown column '{h}' (known: {})", known.join(", ")))
        .collect();
    let (Some(email_col), Some(name_col)) = (col("email"), col("name")) else {
        errors.push("line 1: the header row must name the columns email and name".into());
        return Err(errors);
    };
    let (code_col, roles_col, tracks_col, speaker_col) =
        (col("code"), col("roles"), col("tracks"), col("speaker_of"));
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let raw_email = cell(Some(email_col));
        let Some(email) = normalise_email(raw_email) else {
            errors.push(format!(
                "line {line}: '{raw_email}' is not an e-mail address"
            ));
            continue;
        };
        if let Some(first) = seen.insert(email.clone(), line) {
            errors.push(format!("line {line}: {email} is already on line {first}"));
            continue;
        }
        let name = cell(Some(name_col))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            errors.push(format!(
                "line {line}: the name must be 1 to 64 printable characters"
            ));
            continue;
        }
        let mut roles = Vec::new();
        let mut bad_role = false;
        for r in list(cell(roles_col)) {
            match UserRole::parse_grantable(&r) {
                Some(role) => roles.push(role),
                None => {
                    errors.push(format!(
                        "line {line}: unknown role '{r}' (attendee, moderator, staff, admin)"
                    ));
                    bad_role = true;
                }
            }
        }
        if bad_role {
            continue;
        }
        if roles.is_empty() {
            roles.push(UserRole::Attendee);
        }
        let code = Some(cell(code_col).to_owned()).filter(|c| !c.is_empty());
        if code.as_ref().is_some_and(|c| c.chars().count() < 6) {
            errors.push(format!(
                "line {line}: the code must have at least 6 characters"
            ));
            continue;
        }
        rows.push(Row {
            line,
            email,
            name,
            code,
            roles,
            tracks: list(cell(tracks_col)),
            speaker_of: list(cell(speaker_col)),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// What an import does (or would do) to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// New person.
    Add(String),
    /// Changed fields of an existing person.
    Update(String, Vec<&'static str>),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Add(e) => write!(f, "add {e}"),
            Change::Update(e, what) => write!(f, "update {e}: {}", what.join(", ")),
        }
    }
}

/// Compares the rows with the stored people and, unless `dry_run`, writes every change in one
/// transaction. Returns the changes (unchanged people are not listed).
pub async fn import(
    db: &Db,
    rows: &[Row],
    dry_run: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Change>> {
    let existing: HashMap<String, Person> = store::all_people(db)
        .await?
        .into_iter()
        .map(|p| (p.email.clone(), p))
        .collect();
    let mut changes = Vec::new();
    let mut writes = Vec::new();
    for r in rows {
        let old = existing.get(&r.email);
        let code_changed = match (&r.code, old) {
            (None, _) => false,
            (Some(c), Some(o)) => !verify_code(c, o.code_hash.as_deref()),
            (Some(_), None) => true,
        };
        let change = match old {
            None => Some(Change::Add(r.email.clone())),
            Some(o) => {
                let mut what = Vec::new();
                if o.name != r.name {
                    what.push("name");
                }
                if code_changed {
                    what.push("code");
                }
                if o.roles != r.roles {
                    what.push("roles");
                }
                if o.tracks != r.tracks {
                    what.push("tracks");
                }
                if o.speaker_of != r.speaker_of {
                    what.push("speaker_of");
                }
                (!what.is_empty()).then(|| Change::Update(r.email.clone(), what))
            }
        };
        let Some(change) = change else { continue };
        changes.push(change);
        if !dry_run {
            writes.push(Person {
                id: old.map_or_else(
                    || format!("p-{}", hex::encode(rand::random::<[u8; 10]>())),
                    |o| o.id.clone(),
                ),
                email: r.email.clone(),
                name: r.name.clone(),
                code_hash: match (&r.code, code_changed) {
                    (Some(c), true) => Some(hash_code(c)?),
                    _ => None,
                },
                roles: r.roles.clone(),
                tracks: r.tracks.clone(),
                speaker_of: r.speaker_of.clone(),
            });
        }
    }
    if !dry_run && !writes.is_empty() {
        store::upsert_people(db, &writes, actor, now).await?;
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_case_insensitive_and_lose_their_plus_tag() {
        assert_eq!(
            normalise_email("  Ada.Park+LPC@Example.ORG ").as_deref(),
            Some("ada.park@example.org")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "a b@example.org",
            "ada@localhost",
            "+x@example.org",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn codes_are_stored_as_argon2_and_verify_only_themselves() {
        let h = hash_code("LPC-4711").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("LPC-4711"));
        assert!(verify_code(" LPC-4711 ", Some(&h)));
        assert!(!verify_code("LPC-4712", Some(&h)));
        assert!(
            !verify_code("not-a-code", None),
            "no stored hash never verifies"
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_nothing_else_passes() {
        let csv = "email,name,code,roles,tracks,speaker_of\n\
                   ada@example.org,Ada Park,secret-1,staff,,\n\
                   not-an-address,Bob,secret-2,,,\n\
                   ADA+x@example.org,Ada Again,secret-3,,,\n\
                   carl@example.org,Carl,secret-4,wizard,,\n\
                   dora@example.org,,secret-5,,,\n";
        let errors = parse_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(
            errors,
            vec![
                "line 3: 'not-an-address' is not an e-mail address",
                "line 4: ada@example.org is already on line 2",
                "line 5: unknown role 'wizard' (attendee, moderator, staff, admin)",
                "line 6: the name must be 1 to 64 printable characters",
            ]
        );
        let ok = parse_csv(
            b"name,email,speaker_of,tracks,roles\nJ\xc3\xb6rg R\xc3\xb6del,joerg@example.org,guid-1; Other Name,Kernel,moderator;staff\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].line, 2);
        assert_eq!(ok[0].roles, vec![UserRole::Moderator, UserRole::Staff]);
        assert_eq!(ok[0].speaker_of, vec!["guid-1", "Other Name"]);
        assert_eq!(ok[0].code, None);
        assert!(parse_csv(b"mail,name\nx@example.org,X\n").is_err());
    }
}
