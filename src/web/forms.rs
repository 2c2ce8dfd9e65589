//! Form state for re-rendering: the values as typed and a message per field,
//! in the order they were found, so the page can list them all at the top
//! (each linked to its field) as well as beside each field.

use std::collections::HashMap;

use crate::i18n::Lang;

/// One field's problem, ready to show.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's `name`; the input carries `id="f-{name}"`.
    pub name: String,
    /// What the field is called on the page (empty when unknown).
    pub label: String,
    pub message: String,
}

impl FieldError {
    /// The anchor of the field (`#f-name`).
    pub fn href(&self) -> String {
        format!("#f-{}", self.name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Form {
    values: HashMap<String, String>,
    errors: Vec<FieldError>,
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
        self.errors.iter().find(|e| e.name == name).map(|e| e.message.as_str())
    }

    /// Every field's problem, in the order found (for the summary at the top).
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Record a message (a catalog key) for a field in the given language.
    /// The field's label is the catalog's `field.{name}` when it has one.
    pub fn error(&mut self, lang: Lang, name: &str, key: &str) {
        let label_key = format!("field.{name}");
        let label = lang.t(&label_key);
        let label = if label == label_key { String::new() } else { label.to_owned() };
        self.push(name, label, lang.t(key).to_owned());
    }

    /// Record a message for a field whose label the caller knows.
    pub fn error_labelled(&mut self, name: &str, label: &str, message: String) {
        self.push(name, label.to_owned(), message);
    }

    /// Record a ready message for a field (label from `field.{name}` is not looked up).
    pub fn error_text(&mut self, name: &str, text: String) {
        self.push(name, String::new(), text);
    }

    fn push(&mut self, name: &str, label: String, message: String) {
        if let Some(e) = self.errors.iter_mut().find(|e| e.name == name) {
            e.message = message;
            if !label.is_empty() {
                e.label = label;
            }
        } else {
            self.errors.push(FieldError { name: name.to_owned(), label, message });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_order_and_labels() {
        let mut f = Form::new();
        f.error(Lang::Zh, "email", "error.required");
        f.error_labelled("entry_3_status", "1.2 状态", "请选择".into());
        f.error(Lang::Zh, "email", "error.email.invalid");
        let names: Vec<_> = f.errors().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["email", "entry_3_status"]);
        assert_eq!(f.errors()[0].label, "电子邮箱");
        assert_eq!(f.e("email"), Some("电子邮箱格式不正确。"));
        assert_eq!(f.errors()[1].href(), "#f-entry_3_status");
    }
}
