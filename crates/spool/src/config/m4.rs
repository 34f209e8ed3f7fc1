//! The m4 subset that `.mc` files are written in.
//!
//! Faithful where `.mc` files depend on it: quotes `` `...' `` nest and lose one level
//! when read; `#` comments are copied without expansion; a defined name is expanded
//! wherever it appears unquoted (with or without arguments) and its text is read again;
//! arguments are expanded while they are collected, leading whitespace dropped;
//! `$1`..`$9`, `$#`, `$*`, `$@` and `$0` are substituted in user macros.
//!
//! Builtins: `define`, `undefine`, `pushdef`/`popdef` (as define/undefine: no stack),
//! `ifdef`, `ifelse`, `defn`, `dnl`, `divert`, `include`, `sinclude`. Builtins that
//! take arguments are recognised only when a `(` follows, as in GNU m4. Nothing runs a
//! command (`syscmd`, `esyscmd` are plain words here), and `changequote` is refused
//! with a warning. The cf macros themselves (`FEATURE`, `MAILER`, ...) are in
//! [`super::mc`].
//!
//! # Errors
//! Unclosed quotes and argument lists are errors at their opening position; so is
//! runaway expansion (more than 64 nested calls, 200,000 expansions, 1 MiB of text).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::error::{ConfigError, Pos, Warning};
use super::mc::{McData, Output};
use super::reader::{check_garbled, Reader};

const MAX_NEST: usize = 64;
const MAX_STACK: usize = 256;
const MAX_EXPANSIONS: usize = 200_000;
const MAX_TEXT: usize = 1 << 20;

/// One macro argument and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub text: String,
    pub pos: Pos,
}

/// What a name turned out to be.
enum Kind {
    User,
    Builtin,
    Cf,
}

/// The m4 interpreter state, plus what the cf macros have recorded.
#[derive(Debug)]
pub(crate) struct Engine {
    pub reader: Reader,
    /// User-defined macros by name.
    pub macros: HashMap<String, String>,
    /// Where each macro got its current value (the value argument of its `define`).
    pub def_pos: HashMap<String, Pos>,
    pub divert: i64,
    /// When set, output goes here instead of to [`Output`] (expanding a value).
    pub capture: Option<String>,
    /// Side-effect free expansion: only user macros, `ifdef`, `ifelse`, `defn`, `dnl`.
    pub pure: bool,
    pub out: Output,
    pub mc: McData,
    pub warnings: Vec<Warning>,
    nest: usize,
    expansions: usize,
}

impl Engine {
    /// An interpreter with cf.m4's one predefined path macro, `MAIL_SETTINGS_DIR`.
    pub fn new() -> Engine {
        let mut macros = HashMap::new();
        macros.insert("MAIL_SETTINGS_DIR".to_string(), "/etc/mail/".to_string());
        Engine {
            reader: Reader::default(),
            macros,
            def_pos: HashMap::new(),
            divert: 0,
            capture: None,
            pure: false,
            out: Output::default(),
            mc: McData::default(),
            warnings: Vec::new(),
            nest: 0,
            expansions: 0,
        }
    }

    /// Reads a whole file's text through the interpreter.
    pub fn run_file(&mut self, file: Arc<Path>, text: &str) -> Result<(), ConfigError> {
        check_garbled(&file, text)?;
        self.reader.push_file(file, text);
        self.run(0)?;
        self.flush_output();
        Ok(())
    }

    /// Expands `text` without side effects, as proto.m4 does when it writes `O Name=confX`.
    pub fn expand_value(&mut self, pos: &Pos, text: &str) -> Result<String, ConfigError> {
        let base = self.reader.depth();
        self.nest = 0;
        self.expansions = 0;
        self.pure = true;
        self.capture = Some(String::new());
        self.reader.push_text(pos.clone(), text);
        let result = self.run(base);
        self.pure = false;
        let out = self.capture.take().unwrap_or_default();
        result.map(|()| out)
    }

    fn run(&mut self, base: usize) -> Result<(), ConfigError> {
        while self.reader.depth() > base {
            let (Some(pos), Some(c)) = (self.reader.pos(), self.reader.peek()) else { break };
            match c {
                '`' => {
                    let text = self.reader.quoted()?;
                    self.emit_str(&text, &pos);
                }
                '#' => {
                    let text = self.reader.comment();
                    self.emit_str(&text, &pos);
                }
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let name = self.reader.name();
                    if let Some(text) = self.maybe_call(name, pos.clone())? {
                        self.emit_str(&text, &pos);
                    }
                }
                _ => {
                    self.reader.bump();
                    self.emit(c, &pos);
                }
            }
        }
        Ok(())
    }

    fn emit_str(&mut self, text: &str, pos: &Pos) {
        for c in text.chars() {
            self.emit(c, pos);
        }
    }

    fn emit(&mut self, c: char, pos: &Pos) {
        if let Some(capture) = &mut self.capture {
            if capture.len() < MAX_TEXT {
                capture.push(c);
            }
        } else if self.divert >= 0 {
            self.out.push(c, pos, &mut self.warnings);
        }
    }

    /// Ends the current output line (at end of file and when a section changes).
    pub fn flush_output(&mut self) {
        self.out.flush(&mut self.warnings);
    }

    fn kind(&self, name: &str, has_args: bool) -> Option<Kind> {
        if self.macros.contains_key(name) {
            return Some(Kind::User);
        }
        let pure_ok = matches!(name, "ifdef" | "ifelse" | "defn" | "dnl");
        match name {
            "dnl" | "divert" if !self.pure || pure_ok => Some(Kind::Builtin),
            "define" | "undefine" | "pushdef" | "popdef" | "ifdef" | "ifelse" | "defn"
            | "include" | "sinclude" | "changequote"
                if has_args && (!self.pure || pure_ok) =>
            {
                Some(Kind::Builtin)
            }
            _ if !self.pure && super::mc::is_cf_macro(name, has_args) => Some(Kind::Cf),
            _ => None,
        }
    }

    /// Expands `name` if it is a macro (pushing its text back) and returns `None`;
    /// otherwise returns the name as plain text.
    fn maybe_call(&mut self, name: String, pos: Pos) -> Result<Option<String>, ConfigError> {
        let has_args = self.reader.peek() == Some('(');
        let Some(kind) = self.kind(&name, has_args) else { return Ok(Some(name)) };
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS || self.reader.depth() > MAX_STACK {
            return Err(ConfigError::syntax(&pos, format!("runaway expansion of {name}")));
        }
        let args = if has_args { self.collect_args(&name, &pos)? } else { Vec::new() };
        let text = match kind {
            Kind::User => {
                let body = self.macros.get(&name).cloned().unwrap_or_default();
                substitute(&body, &name, &args)
            }
            Kind::Builtin => self.builtin(&name, &args, &pos)?,
            Kind::Cf => self.cf_macro(&name, &args, &pos)?,
        };
        if text.len() > MAX_TEXT {
            return Err(ConfigError::syntax(&pos, format!("expansion of {name} is too large")));
        }
        self.reader.push_text(pos, &text);
        Ok(None)
    }

    fn collect_args(&mut self, name: &str, open: &Pos) -> Result<Vec<Arg>, ConfigError> {
        self.nest += 1;
        if self.nest > MAX_NEST {
            return Err(ConfigError::syntax(
                open,
                format!("macro calls nested too deeply at {name}"),
            ));
        }
        self.reader.bump();
        let mut args = Vec::new();
        loop {
            while matches!(self.reader.peek(), Some(' ' | '\t' | '\n' | '\r')) {
                self.reader.bump();
            }
            let pos = self.reader.pos().unwrap_or_else(|| open.clone());
            let (text, last) = self.collect_one(name, open)?;
            args.push(Arg { text, pos });
            if last {
                self.nest -= 1;
                return Ok(args);
            }
        }
    }

    /// Reads one argument; `true` when it was the last (ended by `)`).
    fn collect_one(&mut self, name: &str, open: &Pos) -> Result<(String, bool), ConfigError> {
        let mut text = String::new();
        let mut parens = 0usize;
        loop {
            if text.len() > MAX_TEXT {
                return Err(ConfigError::syntax(open, format!("argument of {name} is too large")));
            }
            let (Some(c), Some(pos)) = (self.reader.peek(), self.reader.pos()) else {
                let message = format!("( of {name} opened here is never closed with )");
                return Err(ConfigError::syntax(open, message));
            };
            match c {
                '`' => text.push_str(&self.reader.quoted()?),
                '#' => text.push_str(&self.reader.comment()),
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let word = self.reader.name();
                    if let Some(word) = self.maybe_call(word, pos)? {
                        text.push_str(&word);
                    }
                }
                ')' | ',' if parens == 0 => {
                    self.reader.bump();
                    return Ok((text, c == ')'));
                }
                _ => {
                    match c {
                        '(' => parens += 1,
                        ')' => parens -= 1,
                        _ => {}
                    }
                    self.reader.bump();
                    text.push(c);
                }
            }
        }
    }

    fn builtin(&mut self, name: &str, args: &[Arg], pos: &Pos) -> Result<String, ConfigError> {
        let arg = |i: usize| args.get(i).map_or("", |a| a.text.as_str());
        Ok(match name {
            "define" | "pushdef" => {
                let value_pos = args.get(1).or(args.first()).map_or(pos, |a| &a.pos).clone();
                self.define(arg(0), arg(1), value_pos);
                String::new()
            }
            "undefine" | "popdef" => {
                for a in args {
                    self.macros.remove(&a.text);
                }
                String::new()
            }
            "ifdef" => {
                let defined = self.macros.contains_key(arg(0));
                arg(if defined { 1 } else { 2 }).to_string()
            }
            "ifelse" => ifelse(args),
            "defn" => args.iter().filter_map(|a| self.macros.get(&a.text)).fold(
                String::new(),
                |mut out, body| {
                    out.push('`');
                    out.push_str(body);
                    out.push('\'');
                    out
                },
            ),
            "dnl" => {
                self.reader.skip_line();
                String::new()
            }
            "divert" => {
                self.set_divert(arg(0), pos);
                String::new()
            }
            "include" | "sinclude" => self.include(arg(0), pos, name == "sinclude")?,
            _ => {
                let message = format!("{name} is not supported; ignored");
                self.warnings.push(Warning::at(pos, message));
                String::new()
            }
        })
    }

    /// Defines a macro; an unknown `conf*` name earns a warning.
    pub fn define(&mut self, name: &str, body: &str, pos: Pos) {
        if name.starts_with("conf") && !super::options::is_known_define(name) {
            let message = format!("unknown option {name} (define ignored by ferrymail)");
            self.warnings.push(Warning::at(&pos, message));
        }
        self.macros.insert(name.to_string(), body.to_string());
        self.def_pos.insert(name.to_string(), pos);
    }

    fn set_divert(&mut self, arg: &str, pos: &Pos) {
        let arg = arg.trim();
        let number = if arg.is_empty() { Ok(0) } else { arg.parse::<i64>() };
        match number {
            Ok(n) => {
                self.flush_output();
                self.divert = n;
                self.out.end_section();
            }
            Err(_) => {
                let message = format!("divert({arg}): not a number; ignored");
                self.warnings.push(Warning::at(pos, message));
            }
        }
    }
}

/// m4's `ifelse`: compares pairs of arguments, falling through to the default.
fn ifelse(args: &[Arg]) -> String {
    let mut rest = args;
    loop {
        match rest {
            [a, b, yes, tail @ ..] => {
                if a.text == b.text {
                    return yes.text.clone();
                }
                if tail.len() == 1 {
                    return tail[0].text.clone();
                }
                rest = tail;
            }
            _ => return String::new(),
        }
    }
}

/// Replaces `$0`..`$9`, `$#`, `$*` and `$@` in a user macro's body.
fn substitute(body: &str, name: &str, args: &[Arg]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match (c, next) {
            ('$', Some(d @ '0'..='9')) => {
                chars.next();
                let index = d as usize - '0' as usize;
                match index {
                    0 => out.push_str(name),
                    i => out.push_str(args.get(i - 1).map_or("", |a| a.text.as_str())),
                }
            }
            ('$', Some('#')) => {
                chars.next();
                out.push_str(&args.len().to_string());
            }
            ('$', Some(which @ ('*' | '@'))) => {
                chars.next();
                let quote = which == '@';
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if quote {
                        out.push('`');
                    }
                    out.push_str(&a.text);
                    if quote {
                        out.push('\'');
                    }
                }
            }
            _ => out.push(c),
        }
        if out.len() > MAX_TEXT {
            break;
        }
    }
    out
}
