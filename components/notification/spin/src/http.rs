//! The HTTP side (component `notification`, private):
//!
//! - `GET /my/notifications` (customer, `x-customer-id`) → the customer's notifications, newest first.
//! - `GET`/`PUT /my/preferences` (customer) → `{"language": "ko" | "en"}` (Korean when never set);
//!   the one thing this side writes outside the drain.
//! - `GET /notifications/{notification_id}` (admin) → one notification with its full delivery log.
//! - `POST /admin/events/drain` (admin, only with `http_drain=true`) → the events side's drain.
//! - `GET /admin/metrics` (admin) → chat deliveries by state (unsettled now; sent, given up and
//!   failed attempts so far).

use chrono::{DateTime, SecondsFormat, Utc};
use cinema_eventing::metrics_endpoint::{self, Sample};
use cinema_eventing::{dead_letters, drain_endpoint};
use cinema_http::{ApiError, RequestContext, json, parse_json};
use notification_core::locale::Language;
use notification_core::model::NotificationId;
use notification_core::notification::Notification;
use notification_core::ports::{DeliveryCounts, Notifications, PendingDeliveries, StoreError};
use notification_core::preferences::{ChangePreferencesError, change_language, preferences_of};
use notification_core::queries::customer_notifications;
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Method, Request, Response};

use crate::CONTEXT;
use crate::store::Kv;

pub fn handle(req: &Request) -> Response {
    let ctx = RequestContext::from_request(req);
    route(req, &ctx).unwrap_or_else(ApiError::into_response)
}

fn route(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let segments: Vec<&str> = req.path().trim_matches('/').split('/').collect();
    match (segments.as_slice(), req.method()) {
        (["my", "notifications"], Method::Get) => mine(ctx),
        (["my", "preferences"], Method::Get) => preferences(ctx),
        (["my", "preferences"], Method::Put) => change_preferences(req, ctx),
        (["my", "preferences"], _) => Err(ApiError::method_not_allowed("GET, PUT")),
        (["notifications", id], Method::Get) => one(ctx, id),
        (["admin", "events", "drain"], method) => {
            drain_endpoint::serve(CONTEXT, method, ctx, crate::events::drain)
        }
        (["admin", "events", "dead-letters", rest @ ..], method) => {
            dead_letters::serve(CONTEXT, method, &rest.join("/"), ctx)
        }
        (["admin", "metrics"], method) => metrics_endpoint::serve(CONTEXT, method, ctx, metrics),
        (["my", "notifications"] | ["notifications", _], _) => {
            Err(ApiError::method_not_allowed("GET"))
        }
        _ => Err(ApiError::not_found(format!("no route for {}", req.path()))),
    }
}

/// Chat deliveries by state, from two documents: the unsettled ones (`pending-deliveries`: a
/// message waiting for its first attempt, or `FAILED` and retrying) and the running totals of
/// the settled ones (`delivery-totals`, added to once per delivery pass). Telling waiting from
/// retrying would mean reading every unsettled notification, so they are one gauge.
fn metrics() -> anyhow::Result<Vec<Sample>> {
    let kv = Kv::open()?;
    let pending = PendingDeliveries::ids(&kv)?;
    let totals = DeliveryCounts::totals(&kv)?;
    let settled = |state: &str, n: u64| {
        Sample::counter(
            "cinema_chat_deliveries_total",
            "Chat deliveries settled, by final state: sent, or failed (given up after the last attempt).",
            n as f64,
        )
        .label("state", state)
    };
    Ok(vec![
        Sample::gauge(
            "cinema_chat_deliveries_pending",
            "Chat messages whose delivery is not settled yet (waiting, or retrying with back-off).",
            pending.len() as f64,
        ),
        settled("sent", totals.sent),
        settled("failed", totals.gave_up),
        Sample::counter(
            "cinema_chat_delivery_failures_total",
            "Chat delivery attempts that failed (retried with back-off until the last attempt).",
            totals.failed_attempts as f64,
        ),
    ])
}

fn storage(e: StoreError) -> ApiError {
    ApiError::internal(CONTEXT, e)
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// What a customer sees of a notification (delivery errors stay internal).
#[derive(Serialize)]
struct NotificationView {
    notification_id: String,
    reservation_id: String,
    /// The number people read (`null` for bookings made before numbers).
    booking_number: Option<String>,
    status: &'static str,
    channel: &'static str,
    /// The channel as the customer knows it, in their language (`카카오톡`, `앱 알림`).
    channel_label: &'static str,
    message: String,
    delivery: &'static str,
    created_at: String,
    attempts: u32,
    sent_at: Option<String>,
}

impl NotificationView {
    fn new(n: &Notification, language: Language) -> Self {
        Self {
            notification_id: n.notification_id.to_string(),
            reservation_id: n.reservation_id.clone(),
            booking_number: n.booking_number.clone(),
            status: n.status.as_str(),
            channel: n.channel.as_str(),
            channel_label: n.channel.label(language),
            message: n.message.clone(),
            delivery: n.delivery.state().as_str(),
            created_at: time(n.created_at),
            attempts: n.delivery.attempts(),
            sent_at: n.delivery.sent_at().map(time),
        }
    }
}

fn mine(ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = ctx.customer()?;
    let kv = Kv::open().map_err(storage)?;
    let list = customer_notifications(&kv, &kv, customer).map_err(storage)?;
    let language = preferences_of(&kv, customer).map_err(storage)?.language;
    Ok(json(
        200,
        &list
            .iter()
            .map(|n| NotificationView::new(n, language))
            .collect::<Vec<_>>(),
    ))
}

fn one(ctx: &RequestContext, id: &str) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let kv = Kv::open().map_err(storage)?;
    let n = Notifications::get(&kv, &NotificationId::from_stored(id))
        .map_err(storage)?
        .ok_or_else(|| ApiError::not_found(format!("no notification {id}")))?;
    Ok(json(
        200,
        &serde_json::json!({
            "notification": NotificationView::new(&n, Language::default()),
            "customer_id": n.customer_id,
            "correlation_id": n.correlation_id,
            "delivery": n.delivery,
        }),
    ))
}

/// `PUT /my/preferences` body.
#[derive(Deserialize)]
struct PreferencesBody {
    language: String,
}

fn preferences(ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = ctx.customer()?;
    let kv = Kv::open().map_err(storage)?;
    Ok(json(200, &preferences_of(&kv, customer).map_err(storage)?))
}

fn change_preferences(req: &Request, ctx: &RequestContext) -> Result<Response, ApiError> {
    let customer = ctx.customer()?;
    let body: PreferencesBody = parse_json(req)?;
    let kv = Kv::open().map_err(storage)?;
    match change_language(&kv, customer, &body.language) {
        Ok(preferences) => Ok(json(200, &preferences)),
        Err(ChangePreferencesError::UnknownLanguage(e)) => Err(ApiError::validation(e.to_string())),
        Err(ChangePreferencesError::Unexpected(e)) => Err(storage(e)),
    }
}
