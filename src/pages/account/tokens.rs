//! API tokens: a member makes, lists and revokes the tokens that open the JSON API.

use super::*;

/// The member's API tokens, and one just made by this session (shown this once, then forgotten).
#[server(endpoint = "api_tokens", input = GetUrl)]
pub async fn api_tokens() -> Result<(Vec<ApiTokenInfo>, Option<String>), AppError> {
    use crate::server::web::{auth, call::serve};
    serve(|call| async move {
        let viewer = call.member().await?;
        let state = &call.state;
        let fresh = auth::current_token_hash().and_then(|session| state.new_tokens.remove(&session));
        Ok((state.tokens.list(&viewer).await?, fresh))
    })
    .await
}

/// Makes a personal API token. Only its hash is kept: it is shown once, on the account page that
/// this session opens next (kept in this server's memory for ten minutes until then).
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String, scope: String, days: Option<String>) -> Result<(), AppError> {
    use crate::server::web::{auth, call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        let days = match days.as_deref().map(str::trim).unwrap_or("") {
            "" => None,
            d => Some(d.parse::<u32>().map_err(|_| {
                AppError::BadRequest("Give the days as a whole number, or leave them empty for no expiry.".into())
            })?),
        };
        let session = auth::current_token_hash().ok_or(AppError::Unauthorized)?;
        let state = &call.state;
        let token = state.tokens.create(&viewer, &name, &scope, days).await?;
        state.new_tokens.insert(session, token);
        http::redirect_form_post("/account#api-tokens");
        Ok(())
    })
    .await
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use crate::server::web::{call::serve, http};
    serve(|call| async move {
        let viewer = call.member().await?;
        call.state.tokens.revoke(&viewer, id).await?;
        http::redirect_form_post("/account#api-tokens");
        Ok(())
    })
    .await
}

/// The member's API tokens: the list (with last use), a form to make one, a button to revoke each.
#[component]
pub(super) fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let list = Resource::new_blocking(move || (create.version().get(), revoke.version().get()), |_| api_tokens());
    view! {
        <h2 id="api-tokens">"API tokens"</h2>
        <p class="muted">
            "For your scripts and bots: they send " <code>"Authorization: Bearer <token>"</code> " to the "
            <a href="/api/docs">"JSON API"</a> ". A token may read, vote (and rate), or, for admins, do what admins do."
        </p>
        <FormError value=create.value() />
        <FormError value=revoke.value() />
        <Section load=move || async move {
            list.await
                .ok()
                .map(|(tokens, fresh)| {
                    view! {
                        {fresh
                            .map(|token| {
                                view! {
                                    <p class="notice" role="status">
                                        "Your new token is shown only now; copy it into your script: "
                                        <code data-new-token="">{token}</code>
                                    </p>
                                }
                            })}
                        {(!tokens.is_empty())
                            .then(|| {
                                view! { <TokenTable tokens revoke /> }
                            })}
                    }
                })
        } />
        <ActionForm action=create attr:class="stack">
            <label>"Name" <input type="text" name="name" required maxlength="60" placeholder="club bot" /></label>
            <label>
                "May"
                <select name="scope">
                    {TokenScope::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.slug()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Expires after (days, empty for never)" <input type="number" name="days" min="1" max="3650" />
            </label>
            <button class="button" type="submit">
                "Make a token"
            </button>
        </ActionForm>
    }
}

#[component]
fn TokenTable(tokens: Vec<ApiTokenInfo>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let date = |at: Option<i64>| at.map_or_else(|| "never".to_string(), crate::model::format_date);
    view! {
        <table class="tokens">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"May"</th>
                    <th>"Made"</th>
                    <th>"Expires"</th>
                    <th>"Last used"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|t| {
                        view! {
                            <tr data-token=t.id>
                                <td>{t.name.clone()}</td>
                                <td>{t.scope.label()}</td>
                                <td>{crate::model::format_date(t.created_at)}</td>
                                <td>{date(t.expires_at)}</td>
                                <td>{date(t.last_used_at)}</td>
                                <td>
                                    <ActionForm action=revoke attr:class="inline">
                                        <input type="hidden" name="id" value=t.id />
                                        <button class="button small" type="submit">
                                            "Revoke"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
