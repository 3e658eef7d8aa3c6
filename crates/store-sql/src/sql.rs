//! Hand-written statements for the hot paths (conditional counter updates, batched locks),
//! with placeholders in the dialect of the connection: `$1…` on PostgreSQL, `?` on SQLite.

use sea_orm::{DbBackend, Statement, Value};

/// A statement under construction.
#[derive(Debug)]
pub(crate) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends literal SQL.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.values.len().to_string());
            }
            _ => self.text.push('?'),
        }
        self
    }

    pub(crate) fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_dialect() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("SELECT ").bind(1_i64).push(", ").bind("a");
        assert_eq!(pg.build().sql, "SELECT $1, $2");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("SELECT ").bind(1_i64).push(", ").bind("a");
        assert_eq!(lite.build().sql, "SELECT ?, ?");
    }
}
