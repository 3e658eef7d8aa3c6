//! The usage log on SQL: `usage_events`, unique on `(customer, idempotency_key)`.
//!
//! `append` inserts with `ON CONFLICT DO NOTHING` on that key and reads the first event back
//! when nothing was inserted, so any number of concurrent appends of one key store one event.
//! Aggregations, counter totals, window totals and daily totals are computed by the database
//! (`COUNT`, `SUM`, `MAX`, `COUNT(DISTINCT …)`, `GROUP BY` day) instead of listing every event.
//!
//! Sums are exact: each value is split into its high and low 32 bits, both halves are summed
//! (neither can overflow for fewer than 2^31 rows) and recombined in 128 bits, then clamped to
//! the `i64` range. (The list-based reference saturates step by step; the two differ only for
//! totals that overflow `i64`, which no real meter reaches.)

use chrono::{NaiveDate, SubsecRound};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel, Order,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
};
use tollgate_kernel::{Amount, Currency, CustomerId, FeatureCode, IdempotencyKey, Timestamp};
use tollgate_usage::{
    Aggregation, AppendOutcome, CounterTotal, UsageEvent, UsageLog, UsageLogError, UsageQuery,
    aggregate,
};

use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};
use crate::sql::Sql;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "usage_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub customer: String,
        pub feature: String,
        pub quantity: i64,
        pub delta: i64,
        pub window_key: String,
        pub occurred_at: DateTimeUtc,
        pub recorded_at: DateTimeUtc,
        pub idempotency_key: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub properties: Json,
        #[sea_orm(column_type = "JsonBinary")]
        pub answer: Json,
        pub billable: bool,
        #[sea_orm(column_type = "Text", nullable)]
        pub cost_amount: Option<String>,
        pub cost_currency: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity as Events, Model as Row};

/// Rows per multi-row insert. Far below every backend's parameter limit, and small enough that
/// one statement's message (~0.5 KiB a row) fits in one TCP segment: the driver does not set
/// `TCP_NODELAY`, and a message spilling into a second segment waits for the server's delayed
/// ACK (tens of milliseconds) before it completes.
pub(crate) const INSERT_CHUNK: usize = 64;
/// Keys per lookup in [`find_keys`] (two parameter lists of this length).
const KEY_CHUNK: usize = 500;

/// Instants are stored to the microsecond (PostgreSQL's precision), on both backends alike.
fn stored(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(6)
}

fn to_row(e: &UsageEvent) -> Row {
    Row {
        id: e.id.clone(),
        customer: e.customer.as_str().to_owned(),
        feature: e.feature.as_str().to_owned(),
        quantity: e.quantity,
        delta: e.delta,
        window_key: e.window_key.clone(),
        occurred_at: stored(e.occurred_at),
        recorded_at: stored(e.recorded_at),
        idempotency_key: e.idempotency_key.as_str().to_owned(),
        properties: e.properties.clone(),
        answer: e.answer.clone(),
        billable: e.billable,
        cost_amount: e.cost.map(|c| c.amount.to_string()),
        cost_currency: e.cost.map(|c| c.currency.code().to_owned()),
    }
}

fn malformed(what: &str) -> DbErr {
    DbErr::Type(format!("stored usage event has an invalid {what}"))
}

fn from_row(r: Row) -> Result<UsageEvent, DbErr> {
    let cost = match (r.cost_amount, r.cost_currency) {
        (None, None) => None,
        (Some(amount), Some(currency)) => Some(Amount::new(
            Currency::from_iso(&currency).map_err(|_| malformed("cost currency"))?,
            amount
                .parse::<Decimal>()
                .map_err(|_| malformed("cost amount"))?,
        )),
        _ => return Err(malformed("cost")),
    };
    Ok(UsageEvent {
        customer: CustomerId::parse(r.customer).map_err(|_| malformed("customer"))?,
        feature: FeatureCode::parse(r.feature).map_err(|_| malformed("feature"))?,
        idempotency_key: IdempotencyKey::parse(r.idempotency_key)
            .map_err(|_| malformed("idempotency key"))?,
        id: r.id,
        quantity: r.quantity,
        delta: r.delta,
        window_key: r.window_key,
        occurred_at: r.occurred_at,
        recorded_at: r.recorded_at,
        properties: r.properties,
        billable: r.billable,
        cost,
        answer: r.answer,
    })
}

fn from_rows(rows: Vec<Row>) -> Result<Vec<UsageEvent>, DbErr> {
    rows.into_iter().map(from_row).collect()
}

/// The event exactly as the store keeps it (instants to the microsecond).
pub(crate) fn as_stored(e: UsageEvent) -> UsageEvent {
    UsageEvent {
        occurred_at: stored(e.occurred_at),
        recorded_at: stored(e.recorded_at),
        ..e
    }
}

pub(crate) fn log_error(e: DbErr) -> UsageLogError {
    match fault(&e) {
        Fault::Unavailable => UsageLogError::Unavailable(describe(&e)),
        _ => UsageLogError::unexpected(failure(&e)),
    }
}

/// Inserts events in multi-row statements. The caller has deduplicated them and holds the
/// transaction; a key or id that is taken fails the statement (a unique violation).
pub(crate) async fn insert_events<C: ConnectionTrait>(
    conn: &C,
    events: &[UsageEvent],
) -> Result<(), DbErr> {
    // Hand-written: the hot path of ingest. JSON goes over the wire as its text (cast to
    // `jsonb` on PostgreSQL), serialized once instead of cloned into query values.
    let backend = conn.get_database_backend();
    let json = |sql: &mut Sql, value: &serde_json::Value| {
        let text = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
        if backend == DbBackend::Postgres {
            sql.push("CAST(").bind(text).push(" AS jsonb)");
        } else {
            sql.bind(text);
        }
    };
    for chunk in events.chunks(INSERT_CHUNK) {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO usage_events (id, customer, feature, quantity, delta, window_key, \
             occurred_at, recorded_at, idempotency_key, properties, answer, billable, \
             cost_amount, cost_currency) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(e.id.as_str())
                .push(", ")
                .bind(e.customer.as_str())
                .push(", ")
                .bind(e.feature.as_str())
                .push(", ")
                .bind(e.quantity)
                .push(", ")
                .bind(e.delta)
                .push(", ")
                .bind(e.window_key.as_str())
                .push(", ")
                .bind(stored(e.occurred_at))
                .push(", ")
                .bind(stored(e.recorded_at))
                .push(", ")
                .bind(e.idempotency_key.as_str())
                .push(", ");
            json(&mut sql, &e.properties);
            sql.push(", ");
            json(&mut sql, &e.answer);
            sql.push(", ")
                .bind(e.billable)
                .push(", ")
                .bind(e.cost.map(|c| c.amount.to_string()))
                .push(", ")
                .bind(e.cost.map(|c| c.currency.code().to_owned()))
                .push(")");
        }
        conn.execute_raw(sql.build()).await?;
    }
    Ok(())
}

/// The stored events for any of these `(customer, idempotency_key)` pairs, in one query (per
/// 500 keys); keys with no event are simply absent. In no particular order.
pub(crate) async fn find_keys<C: ConnectionTrait>(
    conn: &C,
    keys: &[(CustomerId, IdempotencyKey)],
) -> Result<Vec<UsageEvent>, DbErr> {
    let mut found = Vec::new();
    for chunk in keys.chunks(KEY_CHUNK) {
        // One row-value IN list: one probe of the unique index per pair. (Two separate IN
        // lists would make PostgreSQL probe every combination: n² probes for n keys.)
        let pairs = chunk
            .iter()
            .map(|(c, k)| (c.as_str().to_owned(), k.as_str().to_owned()));
        let rows = Events::find()
            .filter(
                Expr::tuple([
                    Expr::col(Column::Customer),
                    Expr::col(Column::IdempotencyKey),
                ])
                .in_tuples(pairs),
            )
            .all(conn)
            .await?;
        for row in rows {
            found.push(from_row(row)?);
        }
    }
    Ok(found)
}

async fn find_key<C: ConnectionTrait>(
    conn: &C,
    customer: &CustomerId,
    key: &IdempotencyKey,
) -> Result<Option<UsageEvent>, DbErr> {
    let keys = [(customer.clone(), key.clone())];
    Ok(find_keys(conn, &keys).await?.into_iter().next())
}

/// The customer, feature and time filters of a query.
fn filters(q: &UsageQuery) -> Condition {
    let mut c = Condition::all();
    if let Some(customer) = &q.customer {
        c = c.add(Column::Customer.eq(customer.as_str()));
    }
    if let Some(feature) = &q.feature {
        c = c.add(Column::Feature.eq(feature.as_str()));
    }
    if let Some(from) = q.from {
        c = c.add(Column::OccurredAt.gte(from));
    }
    if let Some(to) = q.to {
        c = c.add(Column::OccurredAt.lt(to));
    }
    c
}

/// Every column the aggregations read.
const AGGREGATED: [Column; 4] = [
    Column::OccurredAt,
    Column::Id,
    Column::Quantity,
    Column::Properties,
];

fn hi_lo_sums(column: &str) -> [Expr; 2] {
    [
        Expr::cust(format!(r#"CAST(SUM("{column}" >> 32) AS BIGINT)"#)),
        Expr::cust(format!(r#"CAST(SUM("{column}" & 4294967295) AS BIGINT)"#)),
    ]
}

/// Recombines the two halves of [`hi_lo_sums`], clamped to the `i64` range.
pub(crate) fn combine(hi: Option<i64>, lo: Option<i64>) -> i64 {
    let total = i128::from(hi.unwrap_or(0)) * (1_i128 << 32) + i128::from(lo.unwrap_or(0));
    i64::try_from(total).unwrap_or(if total > 0 { i64::MAX } else { i64::MIN })
}

pub(crate) fn int_at(row: &QueryResult, index: usize) -> Result<Option<i64>, DbErr> {
    row.try_get_by_index::<Option<i64>>(index)
        .map_err(|_| DbErr::Type("aggregate is not an integer".to_owned()))
}

/// The SQLite JSON path of a property, `$."name"`; `None` when the name cannot be quoted in
/// one (SQLite paths have no escapes), so the caller computes from the listed events.
fn sqlite_path(name: &str) -> Option<String> {
    (!name.is_empty()
        && !name
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_control()))
    .then(|| format!("$.\"{name}\""))
}

/// The UTC calendar day of `occurred_at` as `YYYY-MM-DD` text. PostgreSQL stores
/// `timestamptz` (`AT TIME ZONE 'UTC'` whatever the session's zone; `to_char`, unlike a cast to
/// text, ignores `DateStyle`); SQLite stores RFC 3339 text with a `+00:00` offset, which
/// `date()` reads (and would convert to UTC if an offset were not zero).
fn utc_day(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => r#"to_char("occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"#,
        _ => r#"date("occurred_at")"#,
    }
}

/// The statement behind [`UsageLog::daily_totals`]: one customer's one feature over
/// `[from, to)` (the index on `(customer, occurred_at, id)` bounds the read to the range),
/// `sum(delta)` per UTC day in two halves (see [`hi_lo_sums`]).
fn daily_totals_statement(
    backend: DbBackend,
    customer: &CustomerId,
    feature: &FeatureCode,
    from: Timestamp,
    to: Timestamp,
) -> SelectStatement {
    let q = UsageQuery {
        customer: Some(customer.clone()),
        feature: Some(feature.clone()),
        from: Some(from),
        to: Some(to),
        ..UsageQuery::default()
    };
    let day = utc_day(backend);
    let mut stmt = Events::find()
        .select_only()
        .filter(filters(&q))
        .into_query();
    stmt.expr(Expr::cust(day))
        .exprs(hi_lo_sums("delta"))
        .add_group_by([Expr::cust(day)])
        .order_by_expr(Expr::cust(day), Order::Asc);
    stmt
}

impl SqlStore {
    /// The events `q` selects (filters, cursor, order, limit), as a statement selecting
    /// `columns`; ordered only when a limit makes the order matter, unless `ordered`.
    async fn selection(
        &self,
        q: &UsageQuery,
        columns: Option<&[Column]>,
        ordered: bool,
    ) -> Result<sea_orm::Select<Events>, UsageLogError> {
        let mut select = Events::find().filter(filters(q));
        if let Some(columns) = columns {
            select = select.select_only().columns(columns.iter().copied());
        }
        if let Some(after) = &q.after_id {
            let cursor = Events::find_by_id(after.clone())
                .select_only()
                .column(Column::OccurredAt)
                .into_tuple::<Timestamp>()
                .one(self.db())
                .await
                .map_err(log_error)?
                .ok_or_else(|| UsageLogError::Invalid(format!("unknown cursor {after:?}")))?;
            select = select.filter(
                Condition::any().add(Column::OccurredAt.gt(cursor)).add(
                    Condition::all()
                        .add(Column::OccurredAt.eq(cursor))
                        .add(Column::Id.gt(after.as_str())),
                ),
            );
        }
        if ordered || q.limit.is_some() {
            select = select
                .order_by(Column::OccurredAt, Order::Asc)
                .order_by(Column::Id, Order::Asc);
        }
        if let Some(limit) = q.limit {
            select = select.limit(u64::try_from(limit).unwrap_or(u64::MAX));
        }
        Ok(select)
    }

    /// One aggregation as one statement over the selection; `None` when it must be computed
    /// from the listed events instead (a property name SQLite cannot address).
    fn aggregate_statement(
        &self,
        inner: SelectStatement,
        agg: &Aggregation,
    ) -> Option<SelectStatement> {
        let mut outer = Query::select();
        outer.from_subquery(inner, Alias::new("sel"));
        match agg {
            Aggregation::Count => {
                outer.expr(Expr::cust("COUNT(*)"));
            }
            Aggregation::Sum => {
                outer.exprs(hi_lo_sums("quantity"));
            }
            Aggregation::Max => {
                outer.expr(Expr::cust(r#"MAX("quantity")"#));
            }
            Aggregation::Latest => {
                outer
                    .expr(Expr::cust(r#""quantity""#))
                    .order_by(Alias::new("occurred_at"), Order::Desc)
                    .order_by(Alias::new("id"), Order::Desc)
                    .limit(1);
            }
            Aggregation::Unique(name) => match self.backend() {
                // Distinct by the value's JSON text, as the reference does: "1" and 1 differ.
                DbBackend::Postgres => {
                    outer
                        .expr(Expr::cust_with_values(
                            r#"COUNT(DISTINCT ("properties" -> $1)::text)"#,
                            [name.clone()],
                        ))
                        .and_where(Expr::cust_with_values(
                            r#"jsonb_typeof("properties" -> $1) <> 'null'"#,
                            [name.clone()],
                        ));
                }
                _ => {
                    let path = sqlite_path(name)?;
                    outer
                        .expr(Expr::cust_with_values(
                            r#"COUNT(DISTINCT "properties" -> ?)"#,
                            [path.clone()],
                        ))
                        .and_where(Expr::cust_with_values(
                            r#"("properties" -> ?) <> 'null'"#,
                            [path],
                        ));
                }
            },
        }
        Some(outer)
    }

    /// `sum(delta)` per counter, optionally of one customer, for counters that have a window.
    async fn sum_deltas(&self, condition: Condition) -> Result<Vec<CounterTotal>, DbErr> {
        let mut stmt = Events::find()
            .select_only()
            .columns([Column::Customer, Column::Feature, Column::WindowKey])
            .filter(Column::WindowKey.ne(""))
            .filter(condition)
            .group_by(Column::Customer)
            .group_by(Column::Feature)
            .group_by(Column::WindowKey)
            .into_query();
        stmt.exprs(hi_lo_sums("delta"));
        let rows = self.db().query_all(&stmt).await?;
        let mut totals = rows
            .iter()
            .map(|row| {
                let text = |i: usize| {
                    row.try_get_by_index::<String>(i)
                        .map_err(|_| DbErr::Type("counter key is not text".to_owned()))
                };
                Ok(CounterTotal {
                    customer: CustomerId::parse(text(0)?).map_err(|_| malformed("customer"))?,
                    feature: FeatureCode::parse(text(1)?).map_err(|_| malformed("feature"))?,
                    window_key: text(2)?,
                    total: combine(int_at(row, 3)?, int_at(row, 4)?),
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        // The reference order, by bytes whatever the database's collation.
        totals.sort_by(|a, b| {
            (&a.customer, &a.feature, &a.window_key).cmp(&(&b.customer, &b.feature, &b.window_key))
        });
        Ok(totals)
    }
}

#[async_trait::async_trait]
impl UsageLog for SqlStore {
    async fn append(&self, event: UsageEvent) -> Result<AppendOutcome, UsageLogError> {
        event.validate()?;
        let event = as_stored(event);
        let inserted = Events::insert(to_row(&event).into_active_model())
            .on_conflict(
                OnConflict::columns([Column::Customer, Column::IdempotencyKey])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await;
        match inserted {
            Ok(1) => Ok(AppendOutcome::Inserted(event)),
            Ok(_) => match find_key(self.db(), &event.customer, &event.idempotency_key)
                .await
                .map_err(log_error)?
            {
                Some(first) => Ok(AppendOutcome::Duplicate(first)),
                None => Err(UsageLogError::unexpected(
                    "an append conflicted but the first event is not there",
                )),
            },
            // The key is covered by ON CONFLICT: what remains is the primary key.
            Err(e) if fault(&e) == Fault::Duplicate => Err(UsageLogError::Invalid(format!(
                "event id {} is already used by another event",
                event.id
            ))),
            Err(e) => Err(log_error(e)),
        }
    }

    async fn find_by_key(
        &self,
        customer: &CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<UsageEvent>, UsageLogError> {
        find_key(self.db(), customer, key).await.map_err(log_error)
    }

    async fn get(&self, id: &str) -> Result<Option<UsageEvent>, UsageLogError> {
        Events::find_by_id(id.to_owned())
            .one(self.db())
            .await
            .and_then(|row| row.map(from_row).transpose())
            .map_err(log_error)
    }

    async fn list(&self, q: &UsageQuery) -> Result<Vec<UsageEvent>, UsageLogError> {
        let rows = self
            .selection(q, None, true)
            .await?
            .all(self.db())
            .await
            .map_err(log_error)?;
        from_rows(rows).map_err(log_error)
    }

    async fn aggregate(&self, q: &UsageQuery, agg: &Aggregation) -> Result<i64, UsageLogError> {
        let inner = self
            .selection(q, Some(&AGGREGATED), false)
            .await?
            .into_query();
        let Some(stmt) = self.aggregate_statement(inner, agg) else {
            let events = self.list(q).await?;
            return Ok(aggregate(&events, agg));
        };
        let row = self.db().query_one(&stmt).await.map_err(log_error)?;
        let Some(row) = row else {
            return Ok(0); // Latest over no events
        };
        let value = match agg {
            Aggregation::Sum => combine(
                int_at(&row, 0).map_err(log_error)?,
                int_at(&row, 1).map_err(log_error)?,
            ),
            _ => int_at(&row, 0).map_err(log_error)?.unwrap_or(0),
        };
        Ok(value)
    }

    async fn counter_totals(
        &self,
        customer: Option<&CustomerId>,
    ) -> Result<Vec<CounterTotal>, UsageLogError> {
        let mut condition = Condition::all();
        if let Some(c) = customer {
            condition = condition.add(Column::Customer.eq(c.as_str()));
        }
        self.sum_deltas(condition).await.map_err(log_error)
    }

    async fn window_total(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        window_key: &str,
    ) -> Result<i64, UsageLogError> {
        let mut stmt = Events::find()
            .select_only()
            .filter(Column::Customer.eq(customer.as_str()))
            .filter(Column::Feature.eq(feature.as_str()))
            .filter(Column::WindowKey.eq(window_key))
            .into_query();
        stmt.exprs(hi_lo_sums("delta"));
        let row = self.db().query_one(&stmt).await.map_err(log_error)?;
        match row {
            None => Ok(0),
            Some(row) => Ok(combine(
                int_at(&row, 0).map_err(log_error)?,
                int_at(&row, 1).map_err(log_error)?,
            )),
        }
    }

    async fn daily_totals(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(NaiveDate, i64)>, UsageLogError> {
        if to <= from {
            return Ok(Vec::new());
        }
        let stmt = daily_totals_statement(self.backend(), customer, feature, from, to);
        let rows = self.db().query_all(&stmt).await.map_err(log_error)?;
        let mut days = rows
            .iter()
            .map(|row| {
                let day = row
                    .try_get_by_index::<String>(0)
                    .ok()
                    .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                    .ok_or_else(|| malformed("occurrence day"))?;
                Ok((day, combine(int_at(row, 1)?, int_at(row, 2)?)))
            })
            .collect::<Result<Vec<_>, DbErr>>()
            .map_err(log_error)?;
        // Ascending by date whatever the database's collation of the day's text.
        days.sort_unstable_by_key(|(day, _)| *day);
        Ok(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_recombine_exactly_and_clamp() {
        for v in [
            0_i64,
            1,
            -1,
            -10,
            4_294_967_296,
            i64::MAX,
            i64::MIN,
            -4_294_967_297,
        ] {
            assert_eq!(combine(Some(v >> 32), Some(v & 4_294_967_295)), v, "{v}");
        }
        assert_eq!(combine(None, None), 0);
        assert_eq!(combine(Some(i64::MAX), Some(0)), i64::MAX);
        assert_eq!(combine(Some(i64::MIN), Some(0)), i64::MIN);
    }

    #[test]
    fn daily_totals_is_one_grouped_range_query_per_backend() {
        use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
        let c = CustomerId::parse("acme").unwrap_or_else(|_| unreachable!());
        let f = FeatureCode::parse("api_calls").unwrap_or_else(|_| unreachable!());
        let from = chrono::DateTime::UNIX_EPOCH;
        let to = from + chrono::Duration::days(1);
        let pg = daily_totals_statement(DbBackend::Postgres, &c, &f, from, to)
            .to_string(PostgresQueryBuilder);
        let lite = daily_totals_statement(DbBackend::Sqlite, &c, &f, from, to)
            .to_string(SqliteQueryBuilder);
        println!("{pg}\n{lite}");
        for (sql, day) in [
            (
                &pg,
                r#"to_char("occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"#,
            ),
            (&lite, r#"date("occurred_at")"#),
        ] {
            assert!(sql.starts_with(&format!("SELECT {day}, ")), "{sql}");
            assert!(sql.contains(r#""occurred_at" >= "#), "{sql}");
            assert!(sql.contains(r#""occurred_at" < "#), "{sql}");
            assert!(
                sql.ends_with(&format!("GROUP BY {day} ORDER BY {day} ASC")),
                "{sql}"
            );
        }
    }

    #[test]
    fn sqlite_paths_quote_the_name() {
        assert_eq!(sqlite_path("model").as_deref(), Some("$.\"model\""));
        assert_eq!(sqlite_path("a.b").as_deref(), Some("$.\"a.b\""));
        assert_eq!(sqlite_path("say \"hi\""), None);
        assert_eq!(sqlite_path(""), None);
    }
}

/// The helpers of the usage unit of work, on both backends.
#[cfg(all(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod on_sql {
    use super::*;
    use crate::testing::TestDb;
    use chrono::TimeZone;

    fn sample(customer: &str, key: &str) -> UsageEvent {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        UsageEvent {
            id: tollgate_kernel::new_id("evt"),
            customer: CustomerId::parse(customer).unwrap(),
            feature: FeatureCode::parse("ai_tokens").unwrap(),
            quantity: 1200,
            delta: 1200,
            window_key: "m202611".into(),
            occurred_at: at,
            recorded_at: at,
            idempotency_key: IdempotencyKey::parse(key).unwrap(),
            properties: serde_json::json!({"model": "gpt-4o"}),
            billable: true,
            cost: Some(Amount::new(Currency::USD, Decimal::new(54, 5))),
            answer: serde_json::json!({"used": 1200}),
        }
    }

    async fn batch_insert_and_lookup(db: &TestDb) {
        let events = vec![
            sample("acme", "k1"),
            sample("acme", "k2"),
            sample("globex", "k3"),
        ];
        let txn = db.store.write_txn().await.unwrap();
        insert_events(&txn, &events).await.unwrap();
        txn.commit().await.unwrap();

        let key = |c: &str, k: &str| {
            (
                CustomerId::parse(c).unwrap(),
                IdempotencyKey::parse(k).unwrap(),
            )
        };
        // Stored pairs, a missing key, and a crossed pair that only matches column by column.
        let keys = [
            key("acme", "k1"),
            key("globex", "k3"),
            key("acme", "k9"),
            key("acme", "k3"),
        ];
        let mut found = find_keys(db.store.db(), &keys).await.unwrap();
        found.sort_by(|a, b| a.idempotency_key.cmp(&b.idempotency_key));
        assert_eq!(found, vec![events[0].clone(), events[2].clone()]);
        assert!(find_keys(db.store.db(), &[]).await.unwrap().is_empty());

        // A taken key fails the batch (the caller deduplicates), and the batch writes nothing.
        let txn = db.store.write_txn().await.unwrap();
        let err = insert_events(&txn, &[sample("initech", "k1"), sample("acme", "k2")])
            .await
            .unwrap_err();
        assert_eq!(fault(&err), Fault::Duplicate);
        txn.rollback().await.unwrap();
        let initech = [key("initech", "k1")];
        assert!(find_keys(db.store.db(), &initech).await.unwrap().is_empty());
    }
    crate::on_both_backends!(batch_helpers, batch_insert_and_lookup);
}
