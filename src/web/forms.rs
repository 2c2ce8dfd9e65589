//! Form state for re-rendering: the values as typed and a message per field.

use std::collections::HashMap;

use crate::i18n::Lang;

#[derive(Debug, Clone, Default)]
pub struct Form {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// A message about the whole form (shown above it).
    pub message: Option<String>,
}

impl Form {
    pub fn new() -> Self {
        Form::default()
    }

    /// Keep what the user typed (never used for passwords).
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.values.insert(name.to_owned(), value.to_owned());
        self
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.values.insert(name.to_owned(), value.to_owned());
    }

    /// The value to show in field `name`.
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether a select option or checkbox is chosen.
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    /// The message beside field `name`, if any.
    pub fn e(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// Record a message (a catalog key) for a field in the given language.
    pub fn error(&mut self, lang: Lang, name: &str, key: &str) {
        self.errors.insert(name.to_owned(), lang.t(key).to_owned());
    }

    pub fn error_text(&mut self, name: &str, text: String) {
        self.errors.insert(name.to_owned(), text);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.message.is_some()
    }

    /// Check a field with `parse`, recording the message on failure.
    pub fn check<T>(&mut self, lang: Lang, name: &str, parsed: Result<T, &'static str>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(key) => {
                self.error(lang, name, key);
                None
            }
        }
    }
}
