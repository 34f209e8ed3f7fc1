//! The qf line codes: one table, one doc line each (sendmail 8.17 `queueup`/`readqf`).

/// The letter that starts a qf line and says what the line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `V`: queue file format version (8 for sendmail 8.13 and later); the first line.
    Version,
    /// `T`: creation time of the message, seconds since the epoch.
    CreationTime,
    /// `K`: time of the last delivery attempt; `0` = never tried.
    LastAttempt,
    /// `N`: number of delivery attempts so far.
    Attempts,
    /// `P`: priority; lower runs first.
    Priority,
    /// `d`: queue directory holding the df when it is not the qf's.
    DataDir,
    /// `I`: `major/minor/inode` of the df; ignored when read.
    DataInode,
    /// `B`: body type, `7BIT` or `8BITMIME`.
    BodyType,
    /// `q`: quarantine reason (only in `hf` files).
    Quarantine,
    /// `M`: status message, of the envelope or of the next recipient.
    Message,
    /// `F`: envelope flag letters (`w r 8 b d n s e`).
    Flags,
    /// `$`: a saved macro, `$x<value>` or `${name}<value>`.
    Macro,
    /// `S`: envelope sender as received.
    Sender,
    /// `Z`: DSN envelope ID (`ENVID=`), xtext as received.
    EnvelopeId,
    /// `A`: the `AUTH=` parameter of MAIL.
    Auth,
    /// `!`: DELIVERBY, `<flag char> <seconds>`.
    DeliverBy,
    /// `C`: controlling address for the following recipients; bare `C` ends it.
    Controller,
    /// `Q`: DSN original recipient (`ORCPT=`) of the next `R`.
    OriginalRecipient,
    /// `r`: DSN final recipient of the next `R`.
    FinalRecipient,
    /// `R`: a recipient, `<flags>:<address>`.
    Recipient,
    /// `H`: a header, `?<condition>?<field>: <value>`, continuation lines included.
    Header,
    /// `.`: end of file.
    End,
    /// `D`: obsolete data file name; accepted and ignored, never written by 8.17.
    ObsoleteDataFile,
    /// `E`: obsolete error recipient; accepted and ignored.
    ObsoleteErrorTo,
    /// `L`: obsolete Solaris Content-Length; accepted and ignored.
    ObsoleteLength,
}

/// Every code with its letter, in the order sendmail 8.17 writes them.
const TABLE: &[(Code, u8)] = &[
    (Code::Version, b'V'),
    (Code::CreationTime, b'T'),
    (Code::LastAttempt, b'K'),
    (Code::Attempts, b'N'),
    (Code::Priority, b'P'),
    (Code::DataDir, b'd'),
    (Code::DataInode, b'I'),
    (Code::BodyType, b'B'),
    (Code::Quarantine, b'q'),
    (Code::Message, b'M'),
    (Code::Flags, b'F'),
    (Code::Macro, b'$'),
    (Code::Sender, b'S'),
    (Code::EnvelopeId, b'Z'),
    (Code::Auth, b'A'),
    (Code::DeliverBy, b'!'),
    (Code::Controller, b'C'),
    (Code::OriginalRecipient, b'Q'),
    (Code::FinalRecipient, b'r'),
    (Code::Recipient, b'R'),
    (Code::Header, b'H'),
    (Code::End, b'.'),
    (Code::ObsoleteDataFile, b'D'),
    (Code::ObsoleteErrorTo, b'E'),
    (Code::ObsoleteLength, b'L'),
];

impl Code {
    /// The code for a line's first byte, if sendmail knows it.
    pub fn from_letter(letter: u8) -> Option<Code> {
        TABLE.iter().find(|(_, l)| *l == letter).map(|(c, _)| *c)
    }

    /// The letter that starts lines of this code.
    pub fn letter(self) -> u8 {
        TABLE.iter().find(|(c, _)| *c == self).map(|(_, l)| *l).unwrap_or(b'?')
    }

    /// Whether the line is written on its own with no value (`.`).
    pub fn is_end(self) -> bool {
        self == Code::End
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_round_trip_and_are_unique() {
        for (code, letter) in TABLE {
            assert_eq!(Code::from_letter(*letter), Some(*code));
            assert_eq!(code.letter(), *letter);
        }
        let mut letters: Vec<u8> = TABLE.iter().map(|(_, l)| *l).collect();
        letters.sort();
        letters.dedup();
        assert_eq!(letters.len(), TABLE.len());
        assert_eq!(Code::from_letter(b'X'), None);
    }
}
