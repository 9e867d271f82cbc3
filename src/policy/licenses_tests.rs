//! Unit tests of `policy::licenses`.

use super::*;
use crate::config::PolicyConfig;

fn verdict(v: Option<&str>) -> Verdict {
    let set = crate::policy::evaluate::glob_set("k", &PolicyConfig::default().restrictive_licenses).unwrap();
    assess(v, &set)
}

#[test]
fn restrictive_when_no_choice_avoids_gpl() {
    for v in ["GPL-3.0", "GPL-3.0-only", "AGPL-3.0-or-later", "LGPL-2.1", "GPLv3", "MIT AND GPL-2.0", "gpl-3.0+"] {
        assert!(
            matches!(verdict(Some(v)), Verdict::Stop(r) if r.starts_with("no choice in the license avoids")),
            "{v}"
        );
    }
    assert_eq!(verdict(Some("MIT AND GPL-3.0")), Verdict::Stop("no choice in the license avoids GPL-3.0".into()));
}

#[test]
fn permissive_when_some_choice_avoids_gpl() {
    for v in [
        "MIT",
        "MIT OR GPL-3.0",
        "(MIT OR GPL-3.0-only)",
        "Apache-2.0 OR MIT",
        "MIT/Apache-2.0",
        "Apache 2.0",
        "Apache License 2.0",
        "MIT License",
        "apache-2.0",
        "bsd-3-clause",
        "BSD License",
        "MPL-2.0",
        "Apache-2.0 WITH LLVM-exception",
    ] {
        assert_eq!(verdict(Some(v)), Verdict::Permissive, "{v}");
    }
}

#[test]
fn unknown_unlicensed_custom_and_unreadable_stop() {
    assert_eq!(verdict(None), Verdict::Unknown);
    assert_eq!(verdict(Some("  ")), Verdict::Unknown);
    assert_eq!(
        verdict(Some("UNLICENSED")),
        Verdict::Stop("UNLICENSED: the package grants no license to use it".into())
    );
    assert_eq!(
        verdict(Some("SEE LICENSE IN LICENSE.txt")),
        Verdict::Stop("custom license terms (SEE LICENSE IN LICENSE.txt): read them".into())
    );
    for v in ["Proprietary", "MIT-ish", "Copyright (c) ACME, all rights reserved", "MIT OR", "LicenseRef-ACME"] {
        assert!(matches!(verdict(Some(v)), Verdict::Stop(_)), "{v} must not be permissive");
    }
    assert!(matches!(verdict(Some("MIT OR LicenseRef-ACME")), Verdict::Permissive));
}

#[test]
fn classifiers_map_to_spdx() {
    let c = |s: &str| classifier_to_spdx(s);
    assert_eq!(c("License :: OSI Approved :: MIT License").as_deref(), Some("MIT"));
    assert_eq!(c("License :: OSI Approved :: Apache Software License").as_deref(), Some("Apache-2.0"));
    assert_eq!(c("License :: OSI Approved :: BSD License").as_deref(), Some("BSD-3-Clause"));
    assert_eq!(c("License :: OSI Approved :: GNU General Public License v3 (GPLv3)").as_deref(), Some("GPL-3.0-only"));
    assert_eq!(c("License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)").as_deref(), Some("EPL-2.0"));
    assert_eq!(c("License :: Other/Proprietary License"), None);
    assert_eq!(c("License :: Public Domain"), None);
}

#[test]
fn restrictive_list_is_configurable() {
    let set = crate::policy::evaluate::glob_set("k", &["MPL-*".to_string()]).unwrap();
    assert!(matches!(assess(Some("MPL-2.0"), &set), Verdict::Stop(_)));
    assert_eq!(assess(Some("GPL-3.0"), &set), Verdict::Permissive);
}
