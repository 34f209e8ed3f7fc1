use super::*;

fn read(text: &[u8], dot: bool) -> (Header, bool, Vec<u8>) {
    let mut input = io::Cursor::new(text.to_vec());
    let (h, ended) = read_header(&mut input, 32000, dot).unwrap();
    let mut rest = Vec::new();
    io::Read::read_to_end(&mut input, &mut rest).unwrap();
    (h, ended, rest)
}

#[test]
fn fields_continuations_and_body() {
    let (h, ended, rest) = read(b"Subject:  hi\r\nTo: a,\r\n\tb\nX-Y:z\n\nbody\n", false);
    assert!(!ended);
    assert_eq!(h.size, "Subject:  hi\nTo: a,\n\tb\nX-Y:z\n\n".len());
    assert_eq!(h.fields.len(), 3);
    // Stored as sendmail stores them: every byte after the colon.
    assert_eq!(h.fields[0].text(), b"Subject:  hi");
    assert_eq!(h.get("to").unwrap().value, b" a,\n\tb");
    assert_eq!(h.get("TO").unwrap().unfolded(), "a,\tb");
    assert_eq!(h.fields[2].text(), b"X-Y:z");
    assert_eq!(rest, b"body\n");
}

#[test]
fn a_non_field_line_starts_the_body() {
    let (h, _, rest) = read(b"Subject: x\nthis is body\nmore\n", false);
    assert_eq!(h.fields.len(), 1);
    assert_eq!(h.body_start, b"this is body\n");
    assert_eq!(rest, b"more\n");
}

#[test]
fn a_lone_dot_ends_the_message_unless_ignored() {
    let (_, ended, _) = read(b"Subject: x\n.\nbody\n", true);
    assert!(ended);
    let (h, ended, _) = read(b"Subject: x\n.\nbody\n", false);
    assert!(!ended);
    assert_eq!(h.body_start, b".\n");
}

#[test]
fn headers_over_the_limit_are_refused() {
    let mut text = b"Subject: ".to_vec();
    text.extend(std::iter::repeat_n(b'x', 40000));
    text.extend_from_slice(b"\n\nbody\n");
    let err = read_header(&mut io::Cursor::new(text), 32000, false).unwrap_err();
    assert_eq!(err.to_string(), "Headers too large (32000 max)");
    let many: Vec<u8> = (0..3000).flat_map(|i| format!("X-H{i}: value\n").into_bytes()).collect();
    assert!(read_header(&mut io::Cursor::new(many), 32000, false).is_err());
}

#[test]
fn eight_bit_headers_are_noticed_and_empty_input_ends() {
    let (h, _, _) = read("Subject: Grüße\n\n".as_bytes(), false);
    assert!(h.eight_bit);
    let (h, ended, _) = read(b"", false);
    assert!(ended && h.fields.is_empty());
}

#[test]
fn nul_in_a_header_is_refused() {
    let err = read_header(&mut io::Cursor::new(b"Subject: a\0b\n\nbody\n".to_vec()), 32000, false)
        .unwrap_err();
    assert!(matches!(err, MessageError::Nul));
}

#[test]
fn an_unlimited_reader_does_not_overflow() {
    let (h, _) =
        read_header(&mut io::Cursor::new(b"A: b\n\n".to_vec()), usize::MAX, false).unwrap();
    assert_eq!(h.fields.len(), 1);
}

/// Issue 16 item 0: sendmail takes blanks before the colon and stores the field
/// without them (`H??X-Foo: bar`); the fields after it stay in the header.
#[test]
fn blanks_before_the_colon_are_dropped_from_the_name() {
    let (h, _, rest) = read(b"Subject: one\nX-Foo\t: bar\nX-After: kept?\n\nbody\n", false);
    let texts: Vec<&[u8]> = h.fields.iter().map(|f| f.name.as_bytes()).collect();
    assert_eq!(texts, [&b"Subject"[..], b"X-Foo", b"X-After"]);
    assert_eq!(h.fields[1].text(), b"X-Foo: bar");
    assert_eq!(h.get("x-foo").unwrap().unfolded(), "bar");
    assert_eq!(rest, b"body\n");
}

#[test]
fn del_in_a_field_name_is_a_syntax_error() {
    let err = read_header(&mut io::Cursor::new(b"X-A\x7f: b\n\nbody\n".to_vec()), 32000, false)
        .unwrap_err();
    assert_eq!(err.to_string(), "header syntax error, line \"X-A\x7f: b\"");
}

#[test]
fn a_name_over_100_bytes_starts_the_body() {
    let text = [b"Subject: a\n".to_vec(), b"X".repeat(101), b": v\n\nbody\n".to_vec()].concat();
    let (h, _, rest) = read(&text, false);
    assert_eq!(h.fields.len(), 1);
    assert_eq!(h.body_start, [b"X".repeat(101), b": v\n".to_vec()].concat());
    assert_eq!(rest, b"\nbody\n");
}

#[test]
fn lines_added_one_at_a_time() {
    let mut h = Header::default();
    assert_eq!(h.add(b"A: b", true).unwrap(), Step::Kept);
    assert_eq!(h.add(b"\tc", true).unwrap(), Step::Kept);
    assert_eq!(h.add(b"not a field", true).unwrap(), Step::Body);
    assert_eq!(h.fields[0].text(), b"A: b\n\tc");
    assert_eq!(h.size, 8);
    assert_eq!(h.add(b"", true).unwrap(), Step::Ended);
    assert_eq!(h.size, 9);
}
