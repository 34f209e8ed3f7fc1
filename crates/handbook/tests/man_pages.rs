//! The man pages: clean under `groff -man -ww`, with the sections an admin looks for,
//! and ferrymail.mc(5) documenting every option of the configuration table with its
//! default, so that an option added to `spool::config::OPTIONS` without documentation
//! fails here.

use spool::config::{KNOWN_MACROS, OPTIONS};
use std::path::PathBuf;
use std::process::Command;

/// Every page under `man/`, sorted.
fn pages() -> Vec<PathBuf> {
    let dir = handbook::workspace().join("man");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x.len() == 1))
        .collect();
    pages.sort();
    pages
}

/// The page's text with the roff escapes this project uses turned into plain text.
fn plain(roff: &str) -> String {
    roff.replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "")
        .replace("\\fP", "")
        .replace("\\-", "-")
        .replace("\\e", "\\")
}

fn mc_page() -> String {
    let path = handbook::workspace().join("man/ferrymail.mc.5");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_page_is_clean_under_groff_warnings() {
    if !testkit::oracle::on_path("groff") {
        testkit::skip::skip("groff is not installed (Debian: groff-base)");
        return;
    }
    let pages = pages();
    assert!(pages.len() >= 8, "the man pages: {pages:?}");
    for page in pages {
        let out = Command::new("groff").args(["-man", "-ww", "-z"]).arg(&page).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.is_empty(), "{}: {stderr}", page.display());
    }
}

#[test]
fn every_page_has_the_sections_an_admin_looks_for() {
    let wanted = [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "FILES",
        "EXIT STATUS",
        "SECURITY",
        "EXAMPLES",
        "SEE ALSO",
    ];
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let headers: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix(".SH "))
            .map(|h| h.trim_matches('"').to_string())
            .collect();
        for section in wanted {
            assert!(
                headers.iter().any(|h| h.starts_with(section)),
                "{} has no {section} section (it has {headers:?})",
                page.display()
            );
        }
    }
}

#[test]
fn every_option_of_the_table_is_in_ferrymail_mc_5_with_its_default() {
    let page = mc_page();
    let lines: Vec<&str> = page.lines().collect();
    let mut missing = Vec::new();
    for option in OPTIONS {
        let entry =
            format!(".BR {} \" (\" {} \")\"", option.define, option.name.replace('-', "\\-"));
        let Some(at) = lines.iter().position(|l| *l == entry) else {
            missing.push(format!("{} ({}): no entry `{entry}`", option.define, option.name));
            continue;
        };
        let want = match option.default {
            Some(d) => format!("Default: {d}."),
            None => "Default: unset.".to_string(),
        };
        let got = lines.get(at + 1).map(|l| plain(l)).unwrap_or_default();
        if got != want {
            missing.push(format!("{}: `{got}`, want `{want}`", option.define));
        }
    }
    assert!(
        missing.is_empty(),
        "ferrymail.mc(5) is behind the option table:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_known_macro_is_in_ferrymail_mc_5() {
    let page = mc_page();
    for (define, _) in KNOWN_MACROS {
        let entry = format!(".B {define}");
        assert!(page.lines().any(|l| l == entry), "ferrymail.mc(5) lacks {define}");
    }
}

#[test]
fn each_option_is_documented_once_as_acted_on_or_not() {
    let page = mc_page();
    let acted = page.find(".SH \"OPTIONS ACTED ON\"").expect("the acted-on section");
    let ignored =
        page.find(".SH \"OPTIONS ACCEPTED, NOT ACTED ON\"").expect("the accepted section");
    assert!(acted < ignored);
    for option in OPTIONS {
        let entry = format!(".BR {} \" (\"", option.define);
        assert_eq!(page.matches(&entry).count(), 1, "{} listed once", option.define);
    }
}

/// The sources where the configuration is resolved for the programs: an option is acted
/// on when one of them names it (`Config::option` is private to `spool::config` and
/// `spool::settings`, so no other code can read an option by name).
fn resolving_sources() -> String {
    let spool = handbook::workspace().join("crates/spool/src");
    let mut text = String::new();
    let mut dirs = vec![spool.join("settings"), spool.join("rules"), spool.join("queue")];
    for file in ["config/mod.rs", "config/mc.rs", "lookup.rs"] {
        text.push_str(&std::fs::read_to_string(spool.join(file)).unwrap());
    }
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs")
                && !path.file_name().is_some_and(|n| n.to_string_lossy().contains("test"))
            {
                text.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    text
}

#[test]
fn the_acted_on_section_follows_the_code() {
    let page = mc_page();
    let ignored_at = page.find(".SH \"OPTIONS ACCEPTED, NOT ACTED ON\"").unwrap();
    let sources = resolving_sources();
    let mut wrong = Vec::new();
    for option in OPTIONS {
        let entry = format!(".BR {} \" (\"", option.define);
        let listed_as_acted = page.find(&entry).is_some_and(|at| at < ignored_at);
        let read = sources.contains(&format!("\"{}\"", option.name));
        if listed_as_acted != read {
            let (page_says, code_says) = match read {
                true => ("not acted on", "reads it"),
                false => ("acted on", "never names it"),
            };
            wrong.push(format!(
                "{} ({}): the page says {page_says}, the code {code_says}",
                option.define, option.name
            ));
        }
    }
    assert!(wrong.is_empty(), "ferrymail.mc(5) is out of date:\n{}", wrong.join("\n"));
}

/// The text of every non-test source file of the workspace's crates, except the
/// table of cf's feature names (which names them all).
fn program_sources() -> String {
    let mut text = String::new();
    let mut dirs = vec![handbook::workspace().join("crates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "tests" | "target" | "handbook") {
                    dirs.push(path);
                }
            } else if name.ends_with(".rs") && !name.contains("test") && name != "presets.rs" {
                text.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    text
}

/// The words of the `.BR` lines of `section` (the macro arguments, not the quoted
/// punctuation between them) that look like feature names.
fn br_words(section: &str) -> Vec<String> {
    section
        .lines()
        .filter_map(|l| l.strip_prefix(".BR "))
        .flat_map(|l| {
            l.split('"')
                .step_by(2)
                .flat_map(str::split_whitespace)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect()
}

#[test]
fn the_features_said_to_act_are_read_and_the_others_are_not() {
    let page = mc_page();
    let features = &page[page.find(".SH FEATURES").unwrap()..page.find(".SH MAILERS").unwrap()];
    let (acted, rest) = features.split_once("Map opened and checked").expect("the FEATURES layout");
    let ignored =
        &rest[rest.find("Accepted, not acted on").unwrap()..rest.find("Any other").unwrap()];
    let sources = program_sources();
    // A feature is read where the code names it in quotes. "bcc" is also a header
    // field's name (queue-runner's recipient fields), so its quotes prove nothing.
    let other_meaning = ["bcc"];
    let named = |f: &str| !other_meaning.contains(&f) && sources.contains(&format!("\"{f}\""));
    let acted = br_words(acted);
    let ignored = br_words(ignored);
    // A sanity bound on the layout (both lists found whole), not a quota.
    assert!(acted.len() >= 30 && ignored.len() >= 20, "{acted:?} {ignored:?}");
    let unread: Vec<&String> = acted.iter().filter(|f| !named(f)).collect();
    let read: Vec<&String> = ignored.iter().filter(|f| named(f)).collect();
    assert!(unread.is_empty(), "ferrymail.mc(5) says these act, no code names them: {unread:?}");
    assert!(
        read.is_empty(),
        "ferrymail.mc(5) says these do nothing, the code names them: {read:?}"
    );
}
