//! `DontBlameSendmail`: the file-safety checks an admin chose to relax, as a typed set.
//!
//! The option value is a list of names separated by blanks or punctuation, compared
//! without case (`GroupWritableAliasFile, TrustStickyBit`). `safe` empties the set, so
//! `safe` alone (the default) relaxes nothing and a later name still counts. The names
//! are sendmail 8.17.1.9's, one [`DontBlame`] variant each, in its table's order.

use std::fmt;

/// One relaxation of sendmail's file-safety checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DontBlame {
    /// File owners may give files away (chown), so ownership is trusted.
    AssumeSafeChown,
    /// Group-writable directories in a path are not unsafe.
    GroupWritableDirPathSafe,
    /// A group-writable `.forward` does not make its addresses unsafe.
    GroupWritableForwardFileSafe,
    /// A group-writable `:include:` file does not make its addresses unsafe.
    GroupWritableIncludeFileSafe,
    /// A group-writable alias file may be read and rebuilt.
    GroupWritableAliasFile,
    /// A world-writable alias file may be read and rebuilt.
    WorldWritableAliasFile,
    /// A `.forward` in an unsafe directory path may be read.
    ForwardFileInUnsafeDirPath,
    /// An `:include:` file in an unsafe directory path may be read.
    IncludeFileInUnsafeDirPath,
    /// A map in an unsafe directory path may be read and written.
    MapInUnsafeDirPath,
    /// An alias file in a writable directory may be a link.
    LinkedAliasFileInWritableDir,
    /// A class file (`F` line) in a writable directory may be a link.
    LinkedClassFileInWritableDir,
    /// A `.forward` in a writable directory may be a link.
    LinkedForwardFileInWritableDir,
    /// An `:include:` file in a writable directory may be a link.
    LinkedIncludeFileInWritableDir,
    /// A map read from a writable directory may be a link.
    LinkedMapInWritableDir,
    /// The service switch file in a writable directory may be a link.
    LinkedServiceSwitchFileInWritableDir,
    /// Mail may be delivered to a file with hard links.
    FileDeliveryToHardLink,
    /// Mail may be delivered to a file through a symbolic link.
    FileDeliveryToSymlink,
    /// A map may be written to a file with hard links.
    WriteMapToHardLink,
    /// A map may be written through a symbolic link.
    WriteMapToSymlink,
    /// The statistics file may have hard links.
    WriteStatsToHardLink,
    /// The statistics file may be written through a symbolic link.
    WriteStatsToSymlink,
    /// A `.forward` in a group-writable (not world-writable) directory path may be read.
    ForwardFileInGroupWritableDirPath,
    /// An `:include:` file in a group-writable directory path may be read.
    IncludeFileInGroupWritableDirPath,
    /// A class file in an unsafe directory path may be read.
    ClassFileInUnsafeDirPath,
    /// The `ErrorHeader` file in an unsafe directory path may be read.
    ErrorHeaderInUnsafeDirPath,
    /// The help file in an unsafe directory path may be read.
    HelpFileInUnsafeDirPath,
    /// A `.forward` in an unsafe directory path does not make its addresses unsafe.
    ForwardFileInUnsafeDirPathSafe,
    /// An `:include:` file in an unsafe directory path does not make its addresses unsafe.
    IncludeFileInUnsafeDirPathSafe,
    /// Programs in an unsafe directory path may be run.
    RunProgramInUnsafeDirPath,
    /// Writable programs may be run.
    RunWritableProgram,
    /// Addresses from files are safe even when sendmail does not run as root.
    NonRootSafeAddr,
    /// A writable directory with the sticky bit (`/tmp`) is safe.
    TrustStickyBit,
    /// No warning for a `.forward` in an unsafe directory path.
    DontWarnForwardFileInUnsafeDirPath,
    /// Start without enough entropy for TLS.
    InsufficientEntropy,
    /// The SASL database may be group-readable.
    GroupReadableSaslDbFile,
    /// The SASL database may be group-writable.
    GroupWritableSaslDbFile,
    /// A group-writable `.forward` may be read.
    GroupWritableForwardFile,
    /// A group-writable `:include:` file may be read.
    GroupWritableIncludeFile,
    /// A world-writable `.forward` may be read.
    WorldWritableForwardFile,
    /// A world-writable `:include:` file may be read.
    WorldWritableIncludeFile,
    /// TLS key files may be group-readable.
    GroupReadableKeyFile,
    /// The default authinfo file may be group-readable.
    GroupReadableDefaultAuthInfoFile,
}

use DontBlame::*;

/// Every flag with its name as sendmail's documentation writes it.
pub const NAMES: &[(DontBlame, &str)] = &[
    (AssumeSafeChown, "AssumeSafeChown"),
    (GroupWritableDirPathSafe, "GroupWritableDirPathSafe"),
    (GroupWritableForwardFileSafe, "GroupWritableForwardFileSafe"),
    (GroupWritableIncludeFileSafe, "GroupWritableIncludeFileSafe"),
    (GroupWritableAliasFile, "GroupWritableAliasFile"),
    (WorldWritableAliasFile, "WorldWritableAliasFile"),
    (ForwardFileInUnsafeDirPath, "ForwardFileInUnsafeDirPath"),
    (IncludeFileInUnsafeDirPath, "IncludeFileInUnsafeDirPath"),
    (MapInUnsafeDirPath, "MapInUnsafeDirPath"),
    (LinkedAliasFileInWritableDir, "LinkedAliasFileInWritableDir"),
    (LinkedClassFileInWritableDir, "LinkedClassFileInWritableDir"),
    (LinkedForwardFileInWritableDir, "LinkedForwardFileInWritableDir"),
    (LinkedIncludeFileInWritableDir, "LinkedIncludeFileInWritableDir"),
    (LinkedMapInWritableDir, "LinkedMapInWritableDir"),
    (LinkedServiceSwitchFileInWritableDir, "LinkedServiceSwitchFileInWritableDir"),
    (FileDeliveryToHardLink, "FileDeliveryToHardLink"),
    (FileDeliveryToSymlink, "FileDeliveryToSymlink"),
    (WriteMapToHardLink, "WriteMapToHardLink"),
    (WriteMapToSymlink, "WriteMapToSymlink"),
    (WriteStatsToHardLink, "WriteStatsToHardLink"),
    (WriteStatsToSymlink, "WriteStatsToSymlink"),
    (ForwardFileInGroupWritableDirPath, "ForwardFileInGroupWritableDirPath"),
    (IncludeFileInGroupWritableDirPath, "IncludeFileInGroupWritableDirPath"),
    (ClassFileInUnsafeDirPath, "ClassFileInUnsafeDirPath"),
    (ErrorHeaderInUnsafeDirPath, "ErrorHeaderInUnsafeDirPath"),
    (HelpFileInUnsafeDirPath, "HelpFileInUnsafeDirPath"),
    (ForwardFileInUnsafeDirPathSafe, "ForwardFileInUnsafeDirPathSafe"),
    (IncludeFileInUnsafeDirPathSafe, "IncludeFileInUnsafeDirPathSafe"),
    (RunProgramInUnsafeDirPath, "RunProgramInUnsafeDirPath"),
    (RunWritableProgram, "RunWritableProgram"),
    (NonRootSafeAddr, "NonRootSafeAddr"),
    (TrustStickyBit, "TrustStickyBit"),
    (DontWarnForwardFileInUnsafeDirPath, "DontWarnForwardFileInUnsafeDirPath"),
    (InsufficientEntropy, "InsufficientEntropy"),
    (GroupReadableSaslDbFile, "GroupReadableSaslDbFile"),
    (GroupWritableSaslDbFile, "GroupWritableSaslDbFile"),
    (GroupWritableForwardFile, "GroupWritableForwardFile"),
    (GroupWritableIncludeFile, "GroupWritableIncludeFile"),
    (WorldWritableForwardFile, "WorldWritableForwardFile"),
    (WorldWritableIncludeFile, "WorldWritableIncludeFile"),
    (GroupReadableKeyFile, "GroupReadableKeyFile"),
    (GroupReadableDefaultAuthInfoFile, "GroupReadableDefaultAuthInfoFile"),
];

impl DontBlame {
    /// The flag's name, as sendmail's documentation writes it.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(f, _)| *f == self).map_or("", |(_, n)| n)
    }

    /// The flag called `name`, compared without case.
    pub fn from_name(name: &str) -> Option<DontBlame> {
        NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(f, _)| *f)
    }

    fn bit(self) -> u64 {
        1 << NAMES.iter().position(|(f, _)| *f == self).unwrap_or(0)
    }
}

impl fmt::Display for DontBlame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name in a `DontBlameSendmail` value that sendmail does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("readcf: DontBlameSendmail option: {0} unrecognized")]
pub struct UnknownFlag(pub String);

/// The set of relaxations in force; empty is sendmail's default (`safe`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DontBlameSet(u64);

impl DontBlameSet {
    /// No relaxation: every check applies.
    pub const SAFE: DontBlameSet = DontBlameSet(0);

    /// Parses an option value; `safe` clears what came before it.
    ///
    /// # Errors
    /// [`UnknownFlag`] for the first name that is neither `safe` nor a [`DontBlame`].
    pub fn parse(value: &str) -> Result<DontBlameSet, UnknownFlag> {
        let mut set = DontBlameSet::SAFE;
        let words = value.split(|c: char| c.is_ascii_whitespace() || c.is_ascii_punctuation());
        for word in words.filter(|w| !w.is_empty()) {
            if word.eq_ignore_ascii_case("safe") {
                set = DontBlameSet::SAFE;
                continue;
            }
            let flag = DontBlame::from_name(word).ok_or_else(|| UnknownFlag(word.to_string()))?;
            set.insert(flag);
        }
        Ok(set)
    }

    /// Adds `flag`.
    pub fn insert(&mut self, flag: DontBlame) {
        self.0 |= flag.bit();
    }

    /// This set with `flag` added.
    pub fn with(mut self, flag: DontBlame) -> DontBlameSet {
        self.insert(flag);
        self
    }

    /// Whether `flag` is in the set.
    pub fn contains(&self, flag: DontBlame) -> bool {
        self.0 & flag.bit() != 0
    }

    /// Whether nothing is relaxed.
    pub fn is_safe(&self) -> bool {
        self.0 == 0
    }

    /// The flags in the set, in sendmail's table order.
    pub fn iter(&self) -> impl Iterator<Item = DontBlame> + '_ {
        NAMES.iter().map(|(f, _)| *f).filter(|f| self.contains(*f))
    }
}

impl fmt::Display for DontBlameSet {
    /// `safe`, or the flags' names separated by commas.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_safe() {
            return f.write_str("safe");
        }
        let names: Vec<&str> = self.iter().map(DontBlame::name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        assert_eq!(NAMES.len(), 42);
        for (i, (flag, name)) in NAMES.iter().enumerate() {
            assert_eq!(DontBlame::from_name(&name.to_ascii_lowercase()), Some(*flag));
            assert!(NAMES[i + 1..].iter().all(|(f, n)| f != flag && n != name), "{name}");
        }
    }

    #[test]
    fn lists_split_on_blanks_and_punctuation_without_case() {
        let set = DontBlameSet::parse("groupwritablealiasfile,  TrustStickyBit;MAPINUNSAFEDIRPATH")
            .unwrap();
        assert!(set.contains(GroupWritableAliasFile));
        assert!(set.contains(TrustStickyBit));
        assert!(set.contains(MapInUnsafeDirPath));
        assert!(!set.contains(WorldWritableAliasFile));
        assert_eq!(set.to_string(), "GroupWritableAliasFile,MapInUnsafeDirPath,TrustStickyBit");
    }

    #[test]
    fn safe_clears_what_came_before() {
        assert!(DontBlameSet::parse("safe").unwrap().is_safe());
        assert!(DontBlameSet::parse("").unwrap().is_safe());
        let set = DontBlameSet::parse("TrustStickyBit, safe, WriteMapToSymlink").unwrap();
        assert_eq!(set, DontBlameSet::SAFE.with(WriteMapToSymlink));
        assert_eq!(DontBlameSet::SAFE.to_string(), "safe");
    }

    #[test]
    fn unknown_names_are_refused_in_sendmails_words() {
        let err = DontBlameSet::parse("TrustStickyBit,NoSuchFlag").unwrap_err();
        assert_eq!(err.to_string(), "readcf: DontBlameSendmail option: NoSuchFlag unrecognized");
    }
}
