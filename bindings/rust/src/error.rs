use crate::sys;
use std::fmt;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A failed shmhub call: the C status code, its enum name (`"SHMHUB_E_NOT_FOUND"`) and the
/// message `shmhub_last_error()` gave right after the call, on the same thread (or, for checks
/// done in Rust such as a wrong element type, a message written here in the same style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The `shmhub_status` code (negative).
    pub code: i32,
    /// The enum name of the code, from `shmhub_status_name()`.
    pub name: String,
    /// What failed, naming the segment (and array) and the problem.
    pub message: String,
}

/// The status codes as a Rust enum (see `abi/shmhub.h` for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `SHMHUB_E_INVALID`: an argument is invalid (bad name, wrong dtype...).
    Invalid,
    /// `SHMHUB_E_NOT_FOUND`.
    NotFound,
    /// `SHMHUB_E_EXISTS`.
    Exists,
    /// `SHMHUB_E_PERMISSION`.
    Permission,
    /// `SHMHUB_E_NO_SPACE`.
    NoSpace,
    /// `SHMHUB_E_NO_MEMORY`.
    NoMemory,
    /// `SHMHUB_E_CORRUPT`.
    Corrupt,
    /// `SHMHUB_E_VERSION`.
    Version,
    /// `SHMHUB_E_WRONG_KIND`.
    WrongKind,
    /// `SHMHUB_E_TIMEOUT`.
    Timeout,
    /// `SHMHUB_E_PEER_DEAD`.
    PeerDead,
    /// `SHMHUB_E_READ_ONLY`.
    ReadOnly,
    /// `SHMHUB_E_SIZE`: a buffer's size does not match.
    Size,
    /// `SHMHUB_E_RANGE`: an index is out of range.
    Range,
    /// `SHMHUB_E_IO`.
    Io,
    /// `SHMHUB_E_BUSY`.
    Busy,
    /// `SHMHUB_E_EMPTY`: the stream has no frame yet.
    Empty,
    /// `SHMHUB_E_OVERWRITTEN`: a peeked frame was overwritten.
    Overwritten,
    /// `SHMHUB_E_FINISHED` (1.1): the synchronised run was finalized.
    Finished,
    /// `SHMHUB_E_FULL`: a dictionary has no room for the key or value (since 1.1).
    Full,
    /// A code this crate does not know (a newer library).
    Unknown(i32),
}

impl ErrorKind {
    /// The kind of a status code.
    pub fn from_code(code: i32) -> ErrorKind {
        use ErrorKind::*;
        match code {
            sys::SHMHUB_E_INVALID => Invalid,
            sys::SHMHUB_E_NOT_FOUND => NotFound,
            sys::SHMHUB_E_EXISTS => Exists,
            sys::SHMHUB_E_PERMISSION => Permission,
            sys::SHMHUB_E_NO_SPACE => NoSpace,
            sys::SHMHUB_E_NO_MEMORY => NoMemory,
            sys::SHMHUB_E_CORRUPT => Corrupt,
            sys::SHMHUB_E_VERSION => Version,
            sys::SHMHUB_E_WRONG_KIND => WrongKind,
            sys::SHMHUB_E_TIMEOUT => Timeout,
            sys::SHMHUB_E_PEER_DEAD => PeerDead,
            sys::SHMHUB_E_READ_ONLY => ReadOnly,
            sys::SHMHUB_E_SIZE => Size,
            sys::SHMHUB_E_RANGE => Range,
            sys::SHMHUB_E_IO => Io,
            sys::SHMHUB_E_BUSY => Busy,
            sys::SHMHUB_E_EMPTY => Empty,
            sys::SHMHUB_E_OVERWRITTEN => Overwritten,
            sys::SHMHUB_E_FINISHED => Finished,
            sys::SHMHUB_E_FULL => Full,
            c => Unknown(c),
        }
    }
}

impl Error {
    /// An error with this code and message (the name comes from `shmhub_status_name`).
    pub fn new(code: i32, message: impl Into<String>) -> Error {
        // SAFETY: returns a static string, never NULL; @threadsafe.
        let name = unsafe { crate::cstr_to_string(sys::shmhub_status_name(code)) };
        Error { code, name, message: message.into() }
    }

    /// Turns a status into a `Result`, reading `shmhub_last_error()` on failure. Call it right
    /// after the C call, before any other shmhub call on this thread.
    pub(crate) fn check(status: i32) -> Result<()> {
        if status == sys::SHMHUB_OK {
            return Ok(());
        }
        // SAFETY: never NULL; borrowed until the next shmhub call on this thread, and copied
        // before Error::new makes one.
        let message = unsafe { crate::cstr_to_string(sys::shmhub_last_error()) };
        Err(Error::new(status, message))
    }

    /// The code as an [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.name)
    }
}

impl std::error::Error for Error {}
