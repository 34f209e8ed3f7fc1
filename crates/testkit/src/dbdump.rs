//! The printable text of Berkeley DB's `db5.3_dump -p`, decoded.
//!
//! # Format
//! A header of `key=value` lines ending with `HEADER=END`, then one line per item, key and
//! value alternating, each starting with a space, then `DATA=END`:
//!
//! ```text
//! VERSION=3
//! format=print
//! type=hash
//! HEADER=END
//!  postmaster\00
//!  root\00
//! DATA=END
//! ```
//!
//! In an item, a byte that is not printable is `\xx` (two hex digits) and a backslash is
//! `\\`; every other byte stands for itself.
//!
//! # Panics
//! Input that breaks the format (a `\` with no two hex digits after it, an item line with
//! no leading space) is a broken fixture: the decoder panics, quoting it.

/// The bytes an item of `db5.3_dump -p` stands for, without its leading space.
///
/// # Panics
/// On a `\` that is not followed by `\` or two hex digits.
pub fn unescape(item: &str) -> Vec<u8> {
    let b = item.as_bytes();
    let (mut out, mut i) = (Vec::with_capacity(b.len()), 0);
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if b[i] == b'\\' {
            let hex =
                item.get(i + 1..i + 3).unwrap_or_else(|| panic!("truncated escape: {item:?}"));
            out.push(
                u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("bad escape: {item:?}")),
            );
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The (key, value) pairs of a whole `db5.3_dump -p` listing, in the listing's order:
/// the lines between `HEADER=END` and `DATA=END`, decoded.
///
/// # Panics
/// As [`unescape`], and on an item line without its leading space.
pub fn entries(listing: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let items: Vec<Vec<u8>> = listing
        .lines()
        .skip_while(|l| *l != "HEADER=END")
        .skip(1)
        .take_while(|l| *l != "DATA=END")
        .map(|l| unescape(l.strip_prefix(' ').unwrap_or_else(|| panic!("not an item: {l:?}"))))
        .collect();
    items.chunks(2).map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_to_bytes() {
        assert_eq!(unescape("plain"), b"plain");
        assert_eq!(unescape(r"postmaster\00"), b"postmaster\0");
        assert_eq!(unescape(r"a\\b"), b"a\\b");
        assert_eq!(unescape(r"\\00"), b"\\00");
        assert_eq!(unescape(r"\ff\7f"), [0xff, 0x7f]);
        assert_eq!(unescape(""), b"");
    }

    #[test]
    #[should_panic(expected = "truncated escape")]
    fn a_truncated_escape_is_a_broken_fixture() {
        unescape(r"ab\0");
    }

    #[test]
    fn a_listing_gives_its_pairs_in_order() {
        let listing = "VERSION=3\nformat=print\ntype=hash\nHEADER=END\n \
                       root\\00\n postmaster\\00\n @\\00\n @\\00\nDATA=END\n";
        assert_eq!(
            entries(listing),
            [(b"root\0".to_vec(), b"postmaster\0".to_vec()), (b"@\0".to_vec(), b"@\0".to_vec())]
        );
        assert!(entries("HEADER=END\nDATA=END\n").is_empty());
        assert!(entries("").is_empty());
    }
}
