//! Exit codes, and the one error type of the tool: a usage problem, or a
//! typed SDK error.

use std::fmt;

use trigger_sdk::Error;

/// What the process exits with (the README and `--help` list them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// The run succeeded, or started without `--wait`.
    Succeeded = 0,
    /// The run failed (failed, cancelled or timed out on the platform).
    RunFailed = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// The deadline passed before the run ended.
    Deadline = 3,
    /// The start may have happened.
    Ambiguous = 4,
    /// Credentials rejected.
    Credentials = 5,
    /// Any other API error.
    Api = 6,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// How urgent this outcome is for whoever reads a batch's exit code:
    /// the highest of all items wins (credentials, then ambiguous starts,
    /// then usage and API errors, then deadlines, then failed runs).
    pub fn severity(self) -> u8 {
        match self {
            Self::Succeeded => 0,
            Self::RunFailed => 1,
            Self::Deadline => 2,
            Self::Api => 3,
            Self::Usage => 4,
            Self::Ambiguous => 5,
            Self::Credentials => 6,
        }
    }

    /// The more severe of two outcomes.
    pub fn worst(self, other: Exit) -> Exit {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }

    /// A short name, for `--output json`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::RunFailed => "run_failed",
            Self::Usage => "usage",
            Self::Deadline => "deadline",
            Self::Ambiguous => "ambiguous",
            Self::Credentials => "credentials",
            Self::Api => "api",
        }
    }
}

/// The exit code of an SDK error.
pub fn exit_of(error: &Error) -> Exit {
    match error {
        Error::WorkflowFailed(_) => Exit::RunFailed,
        Error::Config(_) | Error::Unsupported { .. } => Exit::Usage,
        Error::Timeout { .. } => Exit::Deadline,
        Error::Ambiguous { .. } => Exit::Ambiguous,
        Error::Unauthorized(_) | Error::Forbidden(_) => Exit::Credentials,
        _ => Exit::Api,
    }
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments, config, input or environment: exit 2.
    Usage(String),
    /// A typed error of the SDK.
    Sdk(Error),
    /// The run ended without success: exit 1 with the run's error.
    RunFailed(Error),
}

impl CliError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Usage(_) => Exit::Usage,
            Self::Sdk(e) => exit_of(e),
            Self::RunFailed(_) => Exit::RunFailed,
        }
    }

    /// The SDK error behind this one, if any.
    pub fn sdk(&self) -> Option<&Error> {
        match self {
            Self::Usage(_) => None,
            Self::Sdk(e) | Self::RunFailed(e) => Some(e),
        }
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        Self::Sdk(error)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) => f.write_str(message),
            Self::Sdk(e) | Self::RunFailed(e) => f.write_str(&message_with_causes(e)),
        }
    }
}

pub use trigger_sdk::report::message_with_causes;

/// What to do next after an error, when there is something to say.
pub fn advice(error: &CliError) -> Option<String> {
    match error.sdk()? {
        e @ Error::Ambiguous { .. } => Some(match e.idempotency_key() {
            Some(key) => format!(
                "the run may have started; starting again with --idempotency-key {key} \
                 cannot start a second one"
            ),
            None => "the run may have started; look for it on the platform before \
                     starting it again"
                .to_owned(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use trigger_sdk::ApiError;

    use super::*;

    #[test]
    fn each_error_has_its_code() {
        let api = |status| Box::new(ApiError::new(Some(status), "x"));
        let rows: Vec<(Error, Exit)> = vec![
            (Error::WorkflowFailed(api(500)), Exit::RunFailed),
            (Error::Config("x".into()), Exit::Usage),
            (
                Error::Unsupported {
                    message: "x".into(),
                    error: None,
                },
                Exit::Usage,
            ),
            (Error::timeout("x"), Exit::Deadline),
            (Error::ambiguous("x"), Exit::Ambiguous),
            (Error::Unauthorized(api(401)), Exit::Credentials),
            (Error::Forbidden(api(403)), Exit::Credentials),
            (Error::NotFound(api(404)), Exit::Api),
            (Error::Server(api(500)), Exit::Api),
            (
                Error::RateLimited {
                    error: api(429),
                    retry_after: None,
                },
                Exit::Api,
            ),
        ];
        for (error, exit) in rows {
            assert_eq!(exit_of(&error), exit, "{error}");
        }
    }

    #[test]
    fn causes_are_appended_once() {
        let error = Error::transport(
            "could not connect",
            Some(Box::new(std::io::Error::other("connection refused")) as _),
        );
        let message = message_with_causes(&error);
        assert_eq!(
            message.matches("connection refused").count(),
            1,
            "{message}"
        );
    }

    #[test]
    fn worst_prefers_credentials_then_ambiguous() {
        assert_eq!(Exit::RunFailed.worst(Exit::Ambiguous), Exit::Ambiguous);
        assert_eq!(Exit::Credentials.worst(Exit::Ambiguous), Exit::Credentials);
        assert_eq!(Exit::Succeeded.worst(Exit::RunFailed), Exit::RunFailed);
        assert_eq!(Exit::Deadline.worst(Exit::Api), Exit::Api);
    }
}
