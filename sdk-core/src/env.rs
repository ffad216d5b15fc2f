//! Reading configuration from environment variables, with errors that name
//! the variable (`std::env::var` says only "environment variable not found").
//!
//! The providers' `from_env()` constructors use these (written by
//! [`crate::env_constructors`]); their documentation
//! lists the variables each one reads.

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The value of `name`; [`Error::Config`] naming the variable when it is not
/// set, empty, or not Unicode.
pub fn var(name: &str) -> Result<String> {
    var_opt(name)?.ok_or_else(|| match std::env::var_os(name) {
        None => Error::Config(format!("environment variable {name} is not set")),
        Some(_) => Error::Config(format!("environment variable {name} is empty")),
    })
}

/// The value of `name` when it is set and not empty; [`Error::Config`]
/// naming the variable when it is not Unicode.
pub fn var_opt(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
            "environment variable {name} is not valid Unicode"
        ))),
    }
}

/// A credential from `name`, wrapped as a [`Secret`]; errors as [`var`].
pub fn secret(name: &str) -> Result<Secret> {
    var(name).map(Secret::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_variable_is_named() {
        let name = "TRIGGER_SDK_CORE_TEST_NEVER_SET";
        let e = var(name).unwrap_err();
        assert!(matches!(e, Error::Config(_)));
        assert_eq!(
            e.to_string(),
            format!("invalid configuration: environment variable {name} is not set")
        );
        assert!(secret(name).unwrap_err().to_string().contains(name));
        assert_eq!(var_opt(name).unwrap(), None);
        // PATH is set wherever the tests run.
        assert!(!var("PATH").unwrap().is_empty());
        assert_eq!(var_opt("PATH").unwrap(), Some(var("PATH").unwrap()));
    }
}
