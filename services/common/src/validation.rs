//! Checking a request's fields: every problem is collected under the field's JSON path
//! (`languages[1].level`), so one 422 tells the user everything to fix.

use crate::error::FieldErrors;

/// Collects field errors while checking a request.
#[derive(Debug, Default)]
pub struct Checker {
    errors: FieldErrors,
}

impl Checker {
    /// Adds `message` under `field` when `ok` is false.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.errors
                .entry(field.into())
                .or_default()
                .push(message.into());
        }
    }

    /// Checks a text's trimmed length (in characters).
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let length = value.trim().chars().count();
        self.check(
            length >= min && length <= max,
            field,
            format!("must be {min} to {max} characters"),
        );
    }

    /// Checks a year lies in `min..=max`.
    pub fn year(&mut self, field: &str, year: i32, min: i32, max: i32) {
        self.check(
            (min..=max).contains(&year),
            field,
            format!("must be a year from {min} to {max}"),
        );
    }

    /// Checks a list's length.
    pub fn count<T>(&mut self, field: &str, items: &[T], min: usize, max: usize) {
        self.check(
            items.len() >= min && items.len() <= max,
            field,
            if min == 0 {
                format!("may hold at most {max} items")
            } else {
                format!("must hold {min} to {max} items")
            },
        );
    }

    /// The errors, or `Ok` when there are none.
    ///
    /// # Errors
    ///
    /// The collected field errors.
    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}
