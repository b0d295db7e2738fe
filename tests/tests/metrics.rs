//! `GET /api/admin/metrics`: the contexts' own numbers and the event stream's, in the Prometheus
//! text format, for an admin or the operations token; read here with a small strict parser.

use std::collections::BTreeMap;

use cinema_e2e::{ASYNC, CONSUMERS, DOORBELL, Options, TestApp, eventually};

const PATH: &str = "/api/admin/metrics";

/// One sample: its labels and value.
type Labels = BTreeMap<String, String>;

#[derive(Debug, Default)]
struct Family {
    kind: String,
    samples: Vec<(Labels, f64)>,
}

/// The text exposition format (0.0.4), strictly: every family has one `# HELP` and one `# TYPE`
/// before its samples, the samples of a family are together, names and labels are well-formed,
/// label values are escaped, no line is anything else.
fn parse(text: &str) -> BTreeMap<String, Family> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut helped = std::collections::BTreeSet::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(is_name(name), "bad name in {line:?}");
            assert!(helped.insert(name.to_string()), "second HELP: {line:?}");
            assert!(!families.contains_key(name), "HELP after TYPE: {line:?}");
            current = Some(name.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert_eq!(
                current.as_deref(),
                Some(name),
                "TYPE without HELP: {line:?}"
            );
            assert!(["gauge", "counter"].contains(&kind), "{line:?}");
            assert!(!families.contains_key(name), "second TYPE: {line:?}");
            families.insert(
                name.to_string(),
                Family {
                    kind: kind.to_string(),
                    samples: Vec::new(),
                },
            );
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
        let name_end = line.find(['{', ' ']).expect("a sample");
        let name = &line[..name_end];
        assert_eq!(
            current.as_deref(),
            Some(name),
            "sample out of its family: {line:?}"
        );
        let (labels, rest) = labels(&line[name_end..]);
        let value = rest.strip_prefix(' ').expect("space before the value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value in {line:?}")),
        };
        families
            .get_mut(name)
            .expect("TYPE first")
            .samples
            .push((labels, value));
    }
    assert!(text.is_empty() || text.ends_with('\n'));
    families
}

fn is_name(name: &str) -> bool {
    name.starts_with("cinema_")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{a="x",b="y\"z"} 1` → the labels and ` 1`.
fn labels(s: &str) -> (Labels, &str) {
    let mut labels = Labels::new();
    let Some(mut rest) = s.strip_prefix('{') else {
        return (labels, s);
    };
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after);
        }
        let (name, after) = rest.split_once("=\"").expect("label=\"");
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "label name {name:?}"
        );
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (i, '"') => break i,
                (_, '\\') => match chars.next().expect("escape").1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    other => panic!("bad escape \\{other}"),
                },
                (_, '\n') => panic!("raw line feed in a label value"),
                (_, c) => value.push(c),
            }
        };
        assert!(
            labels.insert(name.to_string(), value).is_none(),
            "repeated label"
        );
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn scrape(app: &TestApp, token: &str) -> BTreeMap<String, Family> {
    let r = app.get(PATH, Some(token));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4"),
        "{:?}",
        r.headers
    );
    parse(r.body.as_str().expect("a text body"))
}

/// The value of `name` whose labels include `with`.
fn value(families: &BTreeMap<String, Family>, name: &str, with: &[(&str, &str)]) -> Option<f64> {
    families.get(name)?.samples.iter().find_map(|(labels, v)| {
        with.iter()
            .all(|(k, want)| labels.get(*k).map(String::as_str) == Some(*want))
            .then_some(*v)
    })
}

#[test]
fn the_metrics_parser_is_strict() {
    let ok = "# HELP cinema_a A \\\\ help.\n# TYPE cinema_a gauge\ncinema_a{x=\"q\\\"\\\\\\n\",y=\"\"} 1\ncinema_a 2.5\n";
    let families = parse(ok);
    assert_eq!(families["cinema_a"].samples[0].0["x"], "q\"\\\n");
    assert_eq!(families["cinema_a"].samples[1].1, 2.5);
    for bad in [
        "cinema_a 1\n",
        "# HELP cinema_a A\n# HELP cinema_a A\n# TYPE cinema_a gauge\n",
        "# HELP cinema_a A\n# TYPE cinema_a summary\n",
        "# HELP cinema_a A\n# TYPE cinema_a gauge\ncinema_a{x=\"\\q\"} 1\n",
        "# HELP cinema_a A\n# TYPE cinema_a gauge\ncinema_a one\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| parse(bad)).is_err(),
            "accepted {bad:?}"
        );
    }
}

#[test]
fn metrics_answer_prometheus_text_for_every_context_and_a_customer_gets_403() {
    let app = TestApp::start();
    let admin = app.admin();
    let alice = app.customer("alice");
    assert_eq!(app.get(PATH, Some(&alice)).status, 403);
    assert_eq!(app.get(PATH, None).status, 401);

    let families = scrape(&app, &admin);
    for context in CONSUMERS {
        assert_eq!(
            value(&families, "cinema_context_up", &[("context", context)]),
            Some(1.0),
            "{context}: {families:#?}"
        );
        assert!(
            value(&families, "cinema_dead_letters", &[("context", context)]).is_some(),
            "{context}"
        );
    }
    for context in ["reservation", "payment", "theater"] {
        assert!(
            value(&families, "cinema_outbox_pending", &[("context", context)])
                .is_some_and(|n| n >= 0.0),
            "{context}: {families:#?}"
        );
    }
    assert_eq!(value(&families, "cinema_event_stream_up", &[]), Some(1.0));
    let breaker = &families["cinema_payment_breaker_state"].samples;
    assert_eq!(breaker.len(), 1, "{breaker:?}");
    assert!(
        value(
            &families,
            "cinema_chat_deliveries_pending",
            &[("context", "notification")]
        )
        .is_some()
    );
    for family in families.values() {
        assert_eq!(family.kind, "gauge");
    }
}

#[test]
fn the_operations_token_reads_the_metrics() {
    let ops = cinema_testkit::random_secret();
    let app = TestApp::start_with(Options::default().variable("ops_token", &ops));
    if app.skip_unless_local("its own ops_token") {
        return;
    }
    let families = scrape(&app, &ops);
    assert!(families.contains_key("cinema_context_up"), "{families:#?}");
}

#[test]
fn metrics_show_a_context_that_does_not_answer_as_down_and_still_answer() {
    let app = TestApp::start_with(Options::default().variable("mypage_url", "http://127.0.0.1:1"));
    if app.skip_unless_local("a mypage_url nothing listens on") {
        return;
    }
    let families = scrape(&app, &app.admin());
    assert_eq!(
        value(&families, "cinema_context_up", &[("context", "mypage")]),
        Some(0.0)
    );
    assert_eq!(
        value(&families, "cinema_context_up", &[("context", "catalog")]),
        Some(1.0)
    );
}

#[test]
fn metrics_show_the_lag_of_a_consumer_left_out_until_it_is_back() {
    let mut app = TestApp::start();
    if app.skip_unless_local("to leave out mypage's consumer") {
        return;
    }
    let admin = app.admin();
    let alice = app.customer("alice");
    let (_, screening) = app.bookable_screening();
    app.settle();
    let lag = |app: &TestApp| {
        value(
            &scrape(app, &admin),
            "cinema_consumer_group_lag",
            &[("group", "mypage")],
        )
    };
    assert_eq!(lag(&app), Some(0.0));

    app.restart(&["mypage-events"]);
    app.book(&alice, &screening, &["A1"], "tok_visa", None)
        .reservation_id();
    eventually(ASYNC, "mypage's group to lag behind", || {
        lag(&app).filter(|n| *n > 0.0)
    });

    app.restart(&[]);
    let wake = app.book(&alice, &screening, &["A2"], "tok_visa", None);
    wake.reservation_id();
    eventually(ASYNC, "mypage's group to catch up", || {
        let families = scrape(&app, &admin);
        let caught_up = value(
            &families,
            "cinema_consumer_group_lag",
            &[("group", "mypage")],
        ) == Some(0.0)
            && value(
                &families,
                "cinema_consumer_group_pending",
                &[("group", "mypage")],
            ) == Some(0.0);
        caught_up.then_some(())
    });
}

/// An entry that is not an event of the contract is parked at once by every group.
#[test]
fn metrics_count_a_dead_letter_for_its_context() {
    let app = TestApp::start();
    if app.redis_cli(&["PING"]).is_none() {
        app.skip_unless_local("the app's Redis (CINEMA_REDIS_URL)");
        return;
    }
    let admin = app.admin();
    let before = value(
        &scrape(&app, &admin),
        "cinema_dead_letters",
        &[("context", "theater")],
    )
    .expect("theater's dead letters");
    app.redis_cli(&["XADD", "cinema:events", "*", "e", "not an envelope"])
        .expect("local Redis");
    app.redis_cli(&["PUBLISH", DOORBELL, "wake"])
        .expect("local Redis");
    eventually(ASYNC, "the letter to be counted", || {
        let families = scrape(&app, &admin);
        let now = value(&families, "cinema_dead_letters", &[("context", "theater")])?;
        (now > before).then_some(())
    });
}

#[test]
fn metrics_show_an_open_payment_breaker() {
    let app = TestApp::start_with(
        Options::default()
            .exclusive()
            .variable("payment_breaker_failures", 2)
            .variable("payment_breaker_open_s", 30),
    );
    let failures: u32 = app
        .variable("payment_breaker_failures")
        .parse()
        .expect("number");
    let (_, screening) = app.bookable_screening();
    let admin = app.admin();
    let alice = app.customer("alice");
    let state = |app: &TestApp| {
        let families = scrape(app, &admin);
        let (labels, value) = families["cinema_payment_breaker_state"].samples[0].clone();
        let failures = value_of(&families, "cinema_payment_breaker_failures");
        (labels["state"].clone(), value, failures)
    };
    assert_eq!(state(&app), ("closed".into(), 0.0, 0.0));

    app.set_simulator(&admin, 0, 1.0);
    let r = app.book(&alice, &screening, &["B1"], "tok_visa", None);
    assert_eq!(r.status, 503, "{:?}", r.body);
    if failures > 1 {
        assert_eq!(state(&app), ("closed".into(), 0.0, 1.0));
    }
    for i in 2..=failures {
        let r = app.book(&alice, &screening, &[&format!("B{i}")], "tok_visa", None);
        assert_eq!(r.status, 503, "{:?}", r.body);
    }
    assert_eq!(state(&app), ("open".into(), 2.0, 0.0));
    app.set_simulator(&admin, 0, 0.0);
}

fn value_of(families: &BTreeMap<String, Family>, name: &str) -> f64 {
    value(families, name, &[]).unwrap_or_else(|| panic!("{name}: {families:#?}"))
}
