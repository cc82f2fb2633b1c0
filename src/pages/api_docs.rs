//! `/api/docs`: the JSON API's reference, read from the OpenAPI document the server generates,
//! with a "Try it" form per endpoint (the answer is shown below it).

use crate::components::section::Section;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub tag: String,
    /// (name, where: path or query, description)
    pub params: Vec<(String, String, String)>,
    pub has_body: bool,
    pub statuses: Vec<String>,
}

#[server(endpoint = "api_endpoints", input = GetUrl)]
pub async fn api_endpoints() -> Result<Vec<Endpoint>, AppError> {
    use crate::server::web::call::serve;
    use utoipa::OpenApi;
    serve(|_call| async move {
        let doc = serde_json::to_value(crate::server::web::api::ApiDoc::openapi())
            .map_err(|e| crate::server::observe::internal("OpenAPI document did not serialise", e))?;
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                        (text("name"), text("in"), text("description"))
                    })
                    .collect();
                out.push(Endpoint {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: op["summary"].as_str().or(op["description"].as_str()).unwrap_or_default().to_string(),
                    tag: op["tags"][0].as_str().unwrap_or_default().to_string(),
                    params,
                    has_body: op.get("requestBody").is_some(),
                    statuses: op["responses"].as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default(),
                });
            }
        }
        Ok(out)
    })
    .await
}

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let endpoints = Resource::new_blocking(|| (), |_| api_endpoints());
    view! {
        <Title text="API" />
        <h1>"The Marquee API"</h1>
        <p>
            "Version 1, under " <code>"/api/v1"</code> ". The machine-readable description is "
            <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a> " (OpenAPI 3.1). Errors are "
            <code>"{\"code\": ..., \"message\": ...}"</code> " with the HTTP status. Calls that change something need "
            "the site's session cookie (sign in first) and are refused when sent from another site."
        </p>
        <Section load=move || async move {
            endpoints
                .await
                .map(|list| {
                    view! {
                        <div class="api-endpoints">
                            {list.into_iter().map(|e| view! { <EndpointView endpoint=e /> }).collect_view()}
                        </div>
                    }
                })
        } />
    }
}

/// The address a "Try it" form asks: the path's `{name}`s filled in, the rest as a query, each
/// value encoded.
#[cfg(any(feature = "hydrate", test))]
fn request_path(endpoint: &Endpoint, values: &std::collections::HashMap<String, String>) -> String {
    let mut path = endpoint.path.clone();
    let mut query = Vec::new();
    for (name, place, _) in &endpoint.params {
        let value = values.get(name).cloned().unwrap_or_default();
        if place == "path" {
            path = path.replace(&format!("{{{name}}}"), &crate::model::encode_component(&value));
        } else if !value.is_empty() {
            query.push(format!("{name}={}", crate::model::encode_component(&value)));
        }
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[component]
fn EndpointView(endpoint: Endpoint) -> impl IntoView {
    let answer = RwSignal::new(None::<String>);
    let values = StoredValue::new(std::collections::HashMap::<String, String>::new());
    let body = RwSignal::new(String::from("{\"stars\": 4.5}"));
    let e = endpoint.clone();
    let try_it = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let path = values.with_value(|v| request_path(&e, v));
            let (method, has_body, body) = (e.method.clone(), e.has_body, body.get_untracked());
            leptos::task::spawn_local(async move {
                answer.set(Some(crate::components::fetch::fetch_text(&method, &path, has_body.then_some(body)).await));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&e, values, body);
    };
    let id = format!("{}-{}", endpoint.method.to_lowercase(), endpoint.path.replace(['/', '{', '}'], "-"));
    view! {
        <section class="panel api-endpoint" id=id>
            <h2>
                <code class="method">{endpoint.method.clone()}</code>
                " "
                <code>{endpoint.path.clone()}</code>
            </h2>
            <p>{endpoint.summary.clone()}</p>
            <p class="muted">{format!("Answers: {}", endpoint.statuses.join(", "))}</p>
            <form class="try-it" on:submit=try_it>
                {endpoint
                    .params
                    .iter()
                    .cloned()
                    .map(|(name, place, description)| {
                        let key = name.clone();
                        view! {
                            <label>
                                <code>{name.clone()}</code>
                                <span class="muted">{format!(" ({place}) {description}")}</span>
                                <input
                                    name=name
                                    on:input=move |ev| {
                                        let v = event_target_value(&ev);
                                        values
                                            .update_value(|m| {
                                                m.insert(key.clone(), v);
                                            });
                                    }
                                />
                            </label>
                        }
                    })
                    .collect_view()}
                {endpoint
                    .has_body
                    .then(|| {
                        view! {
                            <label>
                                "Body "
                                <textarea
                                    rows="3"
                                    prop:value=move || body.get()
                                    on:input=move |ev| body.set(event_target_value(&ev))
                                ></textarea>
                            </label>
                        }
                    })}
                <button class="button small" type="submit">
                    "Try it"
                </button>
            </form>
            {move || answer.get().map(|a| view! { <pre class="api-answer">{a}</pre> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_it_fills_the_path_and_encodes_the_query() {
        let endpoint = Endpoint {
            method: "GET".into(),
            path: "/api/v1/movies/{id}".into(),
            params: vec![
                ("id".into(), "path".into(), String::new()),
                ("q".into(), "query".into(), String::new()),
                ("genre".into(), "query".into(), String::new()),
            ],
            summary: String::new(),
            tag: String::new(),
            has_body: false,
            statuses: Vec::new(),
        };
        let values = std::collections::HashMap::from([
            ("id".to_string(), "tt1/../x".to_string()),
            ("q".to_string(), "a b&c".to_string()),
        ]);
        assert_eq!(request_path(&endpoint, &values), "/api/v1/movies/tt1%2F..%2Fx?q=a%20b%26c");
        assert_eq!(request_path(&endpoint, &Default::default()), "/api/v1/movies/");
    }
}
