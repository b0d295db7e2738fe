//! SQLite conformance: `spin:sqlite@3.0.0` (with last-insert-rowid/changes) and the older
//! `fermyon:spin/sqlite@2.0.0`.
//!
//! Reference: Spin 4.0.2 `crates/factor-sqlite/src/host.rs` (a label not in `sqlite_databases`
//! → `AccessDenied`; SQL errors → `io(msg)`), `crates/runtime-config/src/lib.rs` (`default`
//! at `<state dir>/sqlite_db.db`; relative `path` resolved against the working directory).

mod common;

use common::{Host, Launch, store_grants_manifest};
use serde_json::{Value, json};

/// `extra` at a path relative to the working directory (the test's temp dir).
const RUNTIME_CONFIG: &str = r#"
[sqlite_database.extra]
type = "spin"
path = "data/extra.db"
"#;

fn start() -> Host {
    let manifest = store_grants_manifest("sqlite", "sqlite_databases", "db", "extra");
    Launch::new(manifest).runtime_config(RUNTIME_CONFIG).start()
}

fn sql(host: &Host, path: &str, sql: &str, params: Value) -> Value {
    host.post_json(path, &json!({"sql": sql, "params": params}))
        .expect(200)
        .json()
}

const CREATE: &str = "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)";
const INSERT: &str = "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)";
const SELECT: &str = "SELECT i, r, s, b, n FROM t ORDER BY rowid";

fn all_types_row() -> Value {
    json!([42, 2.5, "héllo 🌍", {"blob": [0, 1, 127, 128, 255]}, null])
}

#[test]
fn v3_round_trips_every_value_type() {
    let host = start();
    sql(&host, "/db/sqlite/default", CREATE, json!([]));
    sql(&host, "/db/sqlite/default", INSERT, all_types_row());
    sql(
        &host,
        "/db/sqlite/default",
        INSERT,
        json!([-9_007_199_254_740_993i64, -0.125, "", {"blob": []}, null]),
    );
    let result = sql(&host, "/db/sqlite/default", SELECT, json!([]));
    assert_eq!(result["columns"], json!(["i", "r", "s", "b", "n"]));
    assert_eq!(
        result["rows"],
        json!([
            all_types_row(),
            [-9_007_199_254_740_993i64, -0.125, "", {"blob": []}, null],
        ])
    );
}

#[test]
fn v3_reports_last_insert_rowid_and_changes() {
    let host = start();
    sql(
        &host,
        "/db/sqlite/default",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)",
        json!([]),
    );
    let r = sql(
        &host,
        "/db/sqlite/default",
        "INSERT INTO c (v) VALUES ('a')",
        json!([]),
    );
    assert_eq!(r["last_insert_rowid"], 1);
    assert_eq!(r["changes"], 1);
    let r = sql(
        &host,
        "/db/sqlite/default",
        "INSERT INTO c (id, v) VALUES (10, 'b'), (11, 'c')",
        json!([]),
    );
    assert_eq!(r["last_insert_rowid"], 11);
    assert_eq!(r["changes"], 2);
    let r = sql(
        &host,
        "/db/sqlite/default",
        "UPDATE c SET v = 'z' WHERE id >= 10",
        json!([]),
    );
    assert_eq!(r["changes"], 2);
    let r = sql(&host, "/db/sqlite/default", "DELETE FROM c", json!([]));
    assert_eq!(r["changes"], 3);
}

#[test]
fn v3_query_results_have_columns_even_when_empty() {
    let host = start();
    sql(
        &host,
        "/db/sqlite/default",
        "CREATE TABLE e (alpha INTEGER, beta TEXT)",
        json!([]),
    );
    let r = sql(
        &host,
        "/db/sqlite/default",
        "SELECT alpha, beta AS b2 FROM e",
        json!([]),
    );
    assert_eq!(r["columns"], json!(["alpha", "b2"]));
    assert_eq!(r["rows"], json!([]));
    let r = sql(
        &host,
        "/db/sqlite/default",
        "SELECT 1 + 1 AS two, 'x' || 'y' AS xy, NULL AS nil",
        json!([]),
    );
    assert_eq!(r["columns"], json!(["two", "xy", "nil"]));
    assert_eq!(r["rows"], json!([[2, "xy", null]]));
}

#[test]
fn v2_round_trips_every_value_type() {
    let host = start();
    sql(&host, "/db/sqlite2/default", CREATE, json!([]));
    let r = sql(&host, "/db/sqlite2/default", INSERT, all_types_row());
    assert!(
        r.get("last_insert_rowid").is_none(),
        "v2 has no rowid API: {r}"
    );
    let result = sql(&host, "/db/sqlite2/default", SELECT, json!([]));
    assert_eq!(result["columns"], json!(["i", "r", "s", "b", "n"]));
    assert_eq!(result["rows"], json!([all_types_row()]));
}

#[test]
fn v2_and_v3_share_the_same_database() {
    let host = start();
    sql(
        &host,
        "/db/sqlite2/default",
        "CREATE TABLE shared (v TEXT)",
        json!([]),
    );
    sql(
        &host,
        "/db/sqlite2/default",
        "INSERT INTO shared VALUES (?)",
        json!(["from v2"]),
    );
    let r = sql(
        &host,
        "/db/sqlite/default",
        "SELECT v FROM shared",
        json!([]),
    );
    assert_eq!(r["rows"], json!([["from v2"]]));
}

#[test]
fn syntax_error_is_returned_as_an_error_not_a_crash() {
    let host = start();
    let error = host
        .post_json(
            "/db/sqlite/default",
            &json!({"sql": "SELEC nonsense", "params": []}),
        )
        .expect_error("Io");
    assert!(error.contains("syntax error"), "{error}");
    let error = host
        .post_json(
            "/db/sqlite2/default",
            &json!({"sql": "SELECT * FROM no_such_table", "params": []}),
        )
        .expect_error("Io");
    assert!(error.contains("no_such_table"), "{error}");
    // Wrong parameter count is an error too.
    sql(
        &host,
        "/db/sqlite/default",
        "CREATE TABLE p (a, b)",
        json!([]),
    );
    host.post_json(
        "/db/sqlite/default",
        &json!({"sql": "INSERT INTO p VALUES (?, ?)", "params": [1]}),
    )
    .expect_error("Io");
    // The host is still fine.
    let r = sql(&host, "/db/sqlite/default", "SELECT 7 AS seven", json!([]));
    assert_eq!(r["rows"], json!([[7]]));
}

#[test]
fn undeclared_database_is_access_denied() {
    let host = start();
    let stmt = json!({"sql": "SELECT 1", "params": []});
    host.post_json("/limited/sqlite/extra", &stmt)
        .expect_error("AccessDenied");
    host.post_json("/limited/sqlite2/extra", &stmt)
        .expect_error("AccessDenied");
    host.post_json("/none/sqlite/default", &stmt)
        .expect_error("AccessDenied");
    host.post_json("/db/sqlite/undeclared", &stmt)
        .expect_error("AccessDenied");
    host.post_json("/limited/sqlite/default", &stmt).expect(200);
}

#[test]
fn two_labels_are_separate_database_files() {
    let host = start();
    sql(
        &host,
        "/db/sqlite/default",
        "CREATE TABLE only_default (v)",
        json!([]),
    );
    sql(
        &host,
        "/db/sqlite/extra",
        "CREATE TABLE only_extra (v)",
        json!([]),
    );
    host.post_json(
        "/db/sqlite/extra",
        &json!({"sql": "SELECT * FROM only_default"}),
    )
    .expect_error("only_default");
    host.post_json(
        "/db/sqlite/default",
        &json!({"sql": "SELECT * FROM only_extra"}),
    )
    .expect_error("only_extra");
    assert!(
        host.state_dir().join("sqlite_db.db").is_file(),
        "default database in the state dir"
    );
    assert!(
        host.dir().join("data/extra.db").is_file(),
        "relative path against the working dir"
    );
}

#[test]
fn data_survives_a_restart() {
    let mut host = start();
    sql(
        &host,
        "/db/sqlite/extra",
        "CREATE TABLE keep (v TEXT)",
        json!([]),
    );
    sql(
        &host,
        "/db/sqlite/extra",
        "INSERT INTO keep VALUES ('kept')",
        json!([]),
    );
    host.restart();
    let r = sql(&host, "/db/sqlite/extra", "SELECT v FROM keep", json!([]));
    assert_eq!(r["rows"], json!([["kept"]]));
}

#[test]
fn transactions_on_one_connection_commit_and_roll_back() {
    let host = start();
    sql(
        &host,
        "/db/sqlite/default",
        "CREATE TABLE tx (v INTEGER)",
        json!([]),
    );
    let rolled_back = host
        .post_json(
            "/db/sqlite/default/batch",
            &json!([
                {"sql": "BEGIN"},
                {"sql": "INSERT INTO tx VALUES (1)"},
                {"sql": "SELECT count(*) FROM tx"},
                {"sql": "ROLLBACK"},
            ]),
        )
        .expect(200)
        .json();
    assert_eq!(
        rolled_back[2]["rows"],
        json!([[1]]),
        "visible inside the transaction"
    );
    let r = sql(
        &host,
        "/db/sqlite/default",
        "SELECT count(*) FROM tx",
        json!([]),
    );
    assert_eq!(r["rows"], json!([[0]]));

    host.post_json(
        "/db/sqlite/default/batch",
        &json!([
            {"sql": "BEGIN"},
            {"sql": "INSERT INTO tx VALUES (?)", "params": [1]},
            {"sql": "INSERT INTO tx VALUES (?)", "params": [2]},
            {"sql": "COMMIT"},
        ]),
    )
    .expect(200);
    let r = sql(
        &host,
        "/db/sqlite/default",
        "SELECT v FROM tx ORDER BY v",
        json!([]),
    );
    assert_eq!(r["rows"], json!([[1], [2]]));
}

#[test]
fn a_failed_statement_in_a_batch_reports_its_index() {
    let host = start();
    let resp = host.post_json(
        "/db/sqlite/default/batch",
        &json!([{"sql": "SELECT 1"}, {"sql": "NOT SQL"}, {"sql": "SELECT 2"}]),
    );
    assert_eq!(resp.status, 500);
    assert_eq!(resp.json()["index"], 1);
}
