//! # Name
//! consts - the milter protocol's code table (sendmail's `mfdef.h`, version 6)
//!
//! # Description
//! One table per kind of code: the command bytes the MTA sends, the reply bytes a
//! filter sends, the actions a filter may take at end of body (`SMFIF_*`), the
//! protocol steps it may decline or answer without a reply (`SMFIP_*`), and the
//! stages whose macros it may choose (`SMFIM_*`).

/// The protocol version this MTA speaks.
pub const VERSION: u32 = 6;

/// Largest body chunk sent in one `B` packet (`MILTER_CHUNK_SIZE`).
pub const CHUNK_SIZE: usize = 65535;

/// Largest packet accepted from a peer: a 1 MiB chunk (`SMFIP_MDS_1M`) and its code.
pub const MAX_PACKET: usize = 1024 * 1024 + 1;

/// Actions a filter may take at end of body (`SMFIF_*`).
pub mod action {
    /// `h`, `i`: add or insert headers.
    pub const ADDHDRS: u32 = 0x01;
    /// `b`: replace the body.
    pub const CHGBODY: u32 = 0x02;
    /// `+`: add recipients.
    pub const ADDRCPT: u32 = 0x04;
    /// `-`: delete recipients.
    pub const DELRCPT: u32 = 0x08;
    /// `m`: change or delete headers.
    pub const CHGHDRS: u32 = 0x10;
    /// `q`: quarantine the message.
    pub const QUARANTINE: u32 = 0x20;
    /// `e`: change the envelope sender.
    pub const CHGFROM: u32 = 0x40;
    /// `2`: add recipients with ESMTP arguments.
    pub const ADDRCPT_PAR: u32 = 0x80;
    /// `l`: choose the macros of each stage.
    pub const SETSYMLIST: u32 = 0x100;
    /// Everything this MTA carries out.
    pub const ALL: u32 = 0x1ff;
}

/// Protocol steps (`SMFIP_*`): `NO*` a step the filter does not want, `NR_*` a step it
/// answers with no reply, and options.
pub mod step {
    /// No connect information.
    pub const NOCONNECT: u32 = 0x1;
    /// No HELO.
    pub const NOHELO: u32 = 0x2;
    /// No MAIL.
    pub const NOMAIL: u32 = 0x4;
    /// No RCPT.
    pub const NORCPT: u32 = 0x8;
    /// No body.
    pub const NOBODY: u32 = 0x10;
    /// No headers.
    pub const NOHDRS: u32 = 0x20;
    /// No end of headers.
    pub const NOEOH: u32 = 0x40;
    /// No reply to headers (`SMFIP_NR_HDR`, also `SMFIP_NOHREPL`).
    pub const NR_HDR: u32 = 0x80;
    /// No unknown commands.
    pub const NOUNKNOWN: u32 = 0x100;
    /// No DATA.
    pub const NODATA: u32 = 0x200;
    /// The filter may answer a body chunk with `s` (skip the rest of the body).
    pub const SKIP: u32 = 0x400;
    /// Send rejected recipients too.
    pub const RCPT_REJ: u32 = 0x800;
    /// No reply to connect.
    pub const NR_CONN: u32 = 0x1000;
    /// No reply to HELO.
    pub const NR_HELO: u32 = 0x2000;
    /// No reply to MAIL.
    pub const NR_MAIL: u32 = 0x4000;
    /// No reply to RCPT.
    pub const NR_RCPT: u32 = 0x8000;
    /// No reply to DATA.
    pub const NR_DATA: u32 = 0x10000;
    /// No reply to unknown commands.
    pub const NR_UNKN: u32 = 0x20000;
    /// No reply to end of headers.
    pub const NR_EOH: u32 = 0x40000;
    /// No reply to body chunks.
    pub const NR_BODY: u32 = 0x80000;
    /// Header values keep their leading space.
    pub const HDR_LEADSPC: u32 = 0x100000;
    /// Body chunks of up to 256 KiB.
    pub const MDS_256K: u32 = 0x10000000;
    /// Body chunks of up to 1 MiB.
    pub const MDS_1M: u32 = 0x20000000;
    /// Every step flag this MTA honours (it sends chunks of [`super::CHUNK_SIZE`]).
    pub const ALL: u32 = 0x1fffff;
}

/// Stages whose macro lists a filter may set (`SMFIM_*`), in the `l` reply and the
/// negotiation.
pub mod stage {
    /// At connect.
    pub const CONNECT: u32 = 0;
    /// At HELO.
    pub const HELO: u32 = 1;
    /// At MAIL.
    pub const ENVFROM: u32 = 2;
    /// At RCPT.
    pub const ENVRCPT: u32 = 3;
    /// At DATA.
    pub const DATA: u32 = 4;
    /// At end of message.
    pub const EOM: u32 = 5;
    /// At end of headers.
    pub const EOH: u32 = 6;
    /// How many stages there are.
    pub const COUNT: usize = 7;
}

/// Command bytes the MTA sends (`SMFIC_*`).
pub mod cmd {
    /// Abort the current message.
    pub const ABORT: u8 = b'A';
    /// A body chunk.
    pub const BODY: u8 = b'B';
    /// Connection information.
    pub const CONNECT: u8 = b'C';
    /// Macros for the next command.
    pub const MACRO: u8 = b'D';
    /// End of body.
    pub const BODYEOB: u8 = b'E';
    /// HELO/EHLO name.
    pub const HELO: u8 = b'H';
    /// Quit, but keep the connection for the next session.
    pub const QUIT_NC: u8 = b'K';
    /// One header.
    pub const HEADER: u8 = b'L';
    /// MAIL FROM and its arguments.
    pub const MAIL: u8 = b'M';
    /// End of headers.
    pub const EOH: u8 = b'N';
    /// Option negotiation.
    pub const OPTNEG: u8 = b'O';
    /// Quit.
    pub const QUIT: u8 = b'Q';
    /// RCPT TO and its arguments.
    pub const RCPT: u8 = b'R';
    /// DATA.
    pub const DATA: u8 = b'T';
    /// An unknown SMTP command.
    pub const UNKNOWN: u8 = b'U';
}

/// Reply bytes a filter sends (`SMFIR_*`).
pub mod reply {
    /// Add a recipient.
    pub const ADDRCPT: u8 = b'+';
    /// Delete a recipient.
    pub const DELRCPT: u8 = b'-';
    /// Add a recipient with ESMTP arguments.
    pub const ADDRCPT_PAR: u8 = b'2';
    /// `421` and close.
    pub const SHUTDOWN: u8 = b'4';
    /// Accept the message, ask no more.
    pub const ACCEPT: u8 = b'a';
    /// Replace the body (a chunk of it).
    pub const REPLBODY: u8 = b'b';
    /// Go on.
    pub const CONTINUE: u8 = b'c';
    /// Accept and throw away.
    pub const DISCARD: u8 = b'd';
    /// Change the envelope sender.
    pub const CHGFROM: u8 = b'e';
    /// Cause a connection failure.
    pub const CONN_FAIL: u8 = b'f';
    /// Add a header.
    pub const ADDHEADER: u8 = b'h';
    /// Insert a header at a position.
    pub const INSHEADER: u8 = b'i';
    /// Set the macro list of a stage.
    pub const SETSYMLIST: u8 = b'l';
    /// Change (or delete) a header.
    pub const CHGHEADER: u8 = b'm';
    /// Still working: reset the timeout.
    pub const PROGRESS: u8 = b'p';
    /// Quarantine the message.
    pub const QUARANTINE: u8 = b'q';
    /// Reject (`5xx`).
    pub const REJECT: u8 = b'r';
    /// Skip the rest of the body.
    pub const SKIP: u8 = b's';
    /// Temporary failure (`4xx`).
    pub const TEMPFAIL: u8 = b't';
    /// A custom reply: `xyz x.y.z text`.
    pub const REPLYCODE: u8 = b'y';
    /// Option negotiation.
    pub const OPTNEG: u8 = b'O';
}
