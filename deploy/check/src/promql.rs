//! The metric names a PromQL expression reads, for the alert checks in `tests/alerts.rs`. Not a
//! parser (promtool checks the syntax): a scan that skips strings, label matchers, ranges,
//! numbers, keywords, aggregations, functions and the label lists of `by (…)`, `on (…)` and the
//! like; every other identifier is a metric name.

use std::collections::BTreeSet;

/// Aggregation operators: followed by `by`/`without` or `(`, never a metric.
const AGGREGATIONS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

/// Keywords followed by a label list in parentheses.
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// Other keywords and the literals spelled as words.
const KEYWORDS: &[&str] = &[
    "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
];

/// The metric names `expr` selects.
///
/// # Errors
/// An unclosed string, `{`, `[` or `(` after a label-list keyword.
pub fn metric_names(expr: &str) -> Result<BTreeSet<String>, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => i = skip_string(&chars, i)?,
            '{' => i = skip_until(&chars, i, '}')?,
            '[' => i = skip_until(&chars, i, ']')?,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                let mut next = i;
                while next < chars.len() && chars[next].is_whitespace() {
                    next += 1;
                }
                let opens = chars.get(next) == Some(&'(');
                if LABEL_LISTS.contains(&lower.as_str()) {
                    if opens {
                        i = skip_until(&chars, next, ')')?;
                    }
                } else if KEYWORDS.contains(&lower.as_str())
                    || AGGREGATIONS.contains(&lower.as_str())
                    || opens
                {
                    // a keyword, an aggregation or a function call
                } else {
                    names.insert(word);
                }
            }
            _ => i += 1,
        }
    }
    Ok(names)
}

/// The index after the string starting at `start` (its quote character ends it; `\` escapes).
fn skip_string(chars: &[char], start: usize) -> Result<usize, String> {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote != '`' => i += 2,
            c if c == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(format!("unclosed string at {start}"))
}

/// The index after the `close` that ends the bracket at `start`, skipping strings inside.
fn skip_until(chars: &[char], start: usize, close: char) -> Result<usize, String> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' | '`' => i = skip_string(chars, i)?,
            c if c == close => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(format!("unclosed {:?} at {start}", chars[start]))
}
