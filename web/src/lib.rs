//! The cinema's browser UI (work in progress).

#[allow(unsafe_code)]
mod entry {
    use spin_sdk::http::{Request, Response};

    #[spin_sdk::http_component]
    fn handle(_req: Request) -> Response {
        Response::builder().status(404).body("not yet").build()
    }
}
