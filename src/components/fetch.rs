//! Requests the browser sends itself (the API explorer, the admin's file upload), answered as
//! "status and body" text for the page to show.

#[cfg(feature = "hydrate")]
use leptos::prelude::window;

/// Sends the request from the browser (with the session cookie) and returns status and body.
#[cfg(feature = "hydrate")]
pub async fn fetch_text(method: &str, path: &str, body: Option<String>) -> String {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        init.set_body(&wasm_bindgen::JsValue::from_str(&b));
        if let Ok(h) = web_sys::Headers::new() {
            let _ = h.set("content-type", "application/json");
            init.set_headers(&h);
        }
    }
    send(path, &init).await
}

/// Posts a file as the request body (the admin import).
#[cfg(feature = "hydrate")]
pub async fn send_file(path: &str, file: web_sys::File) -> String {
    use wasm_bindgen::JsCast;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(file.unchecked_ref());
    send(path, &init).await
}

#[cfg(feature = "hydrate")]
async fn send(path: &str, init: &web_sys::RequestInit) -> String {
    use wasm_bindgen::JsCast;
    let promise = window().fetch_with_str_and_init(path, init);
    let Ok(response) = wasm_bindgen_futures::JsFuture::from(promise).await else {
        return "The request failed.".into();
    };
    let response: web_sys::Response = response.unchecked_into();
    let status = response.status();
    let text = match response.text() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let pretty = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    format!("HTTP {status}\n{pretty}")
}
