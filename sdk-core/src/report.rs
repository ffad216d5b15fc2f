//! Printing an error for a person: its message and every cause down its
//! chain, on one line.
//!
//! `main` returning `Result<(), Box<dyn Error>>` prints the error's `Debug`
//! dump. Return `Result<(), Report>` instead and a failure prints as
//! `Error: <message>: <cause>: <cause>` (each cause once, only when the
//! message does not already say it):
//!
//! ```
//! use trigger_sdk_core::report::Report;
//!
//! fn main() -> Result<(), Report> {
//!     let missing = trigger_sdk_core::env::var("TRIGGER_SDK_DOC_NEVER_SET");
//!     let error = Report::from(missing.unwrap_err());
//!     assert_eq!(
//!         error.to_string(),
//!         "invalid configuration: environment variable TRIGGER_SDK_DOC_NEVER_SET is not set"
//!     );
//!     Ok(())
//! }
//! ```

use std::error::Error as StdError;
use std::fmt;

/// An error of any kind that prints (with `Display` and `Debug` alike) as
/// its message followed by its causes: what `main` should return.
///
/// It deliberately does not implement `std::error::Error`, so that `?`
/// converts any error into it.
pub struct Report(Box<dyn StdError + Send + Sync + 'static>);

impl Report {
    /// The error this report prints.
    pub fn error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.0
    }

    /// The error itself, for a caller that matches on it.
    pub fn into_inner(self) -> Box<dyn StdError + Send + Sync + 'static> {
        self.0
    }
}

impl<E: Into<Box<dyn StdError + Send + Sync + 'static>>> From<E> for Report {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&message_with_causes(&*self.0))
    }
}

/// `Debug` prints the same line as `Display`: `main` returning
/// `Result<(), Report>` shows `Error: <message>: <cause>`.
impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An error's message on one line, followed by the first line of each cause
/// down its chain that is not already said.
pub fn message_with_causes(error: &(dyn StdError + 'static)) -> String {
    let mut message = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        let line = text.lines().next().unwrap_or_default().trim();
        if !line.is_empty() && !message.contains(line) {
            message.push_str(": ");
            message.push_str(line);
        }
        next = cause.source();
    }
    message.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|l| l as _)
        }
    }

    #[test]
    fn prints_each_cause_once_on_one_line_in_debug_and_display() {
        let rows = [
            (Layer("top", None), "top"),
            (
                Layer(
                    "top",
                    Some(Box::new(Layer(
                        "middle",
                        Some(Box::new(Layer("root", None))),
                    ))),
                ),
                "top: middle: root",
            ),
            // A message that already says its cause does not repeat it.
            (
                Layer("top: middle", Some(Box::new(Layer("middle", None)))),
                "top: middle",
            ),
            (
                Layer("two\nlines", Some(Box::new(Layer("cause\ndetail", None)))),
                "two lines: cause",
            ),
        ];
        for (error, expected) in rows {
            let report = Report::from(error);
            assert_eq!(report.to_string(), expected);
            assert_eq!(format!("{report:?}"), expected);
        }
    }
}
