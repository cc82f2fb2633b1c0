//! `/admin`: members and their proposal limits, invitations, and the audit log (admins only).

use crate::components::pager::Pager;
use crate::components::section::Section;
use crate::error::AppError;
use crate::model::{format_date, AuditEntry, MemberRow, Slice, AUDIT_ACTIONS};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "admin_members", input = GetUrl)]
pub async fn admin_members() -> Result<Vec<MemberRow>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        call.admin().await?;
        call.state.accounts.members().await
    })
    .await
}

/// `limit` empty means "the default".
#[server(endpoint = "set_member_limit")]
pub async fn set_member_limit(user_id: i64, limit: String) -> Result<(), AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let admin = call.admin().await?;
        call.state.accounts.set_proposal_limit(&admin, user_id, &limit).await
    })
    .await
}

#[server(endpoint = "create_invitation")]
pub async fn create_invitation() -> Result<String, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let admin = call.admin().await?;
        let code = call.state.accounts.invite(&admin).await?;
        Ok(format!("/register?invite={code}"))
    })
    .await
}

#[server(endpoint = "audit_log", input = GetUrl)]
pub async fn audit_log(
    action: Option<String>,
    actor: Option<String>,
    page: u32,
) -> Result<Slice<AuditEntry>, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        call.admin().await?;
        call.state.accounts.audit_log(action, actor, page).await
    })
    .await
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let members = Resource::new_blocking(|| (), |_| admin_members());
    view! {
        <Title text="Admin" />
        <h1>"Club admin"</h1>
        <nav class="tabs">
            <a href="/admin" aria-current="page">
                "Members"
            </a>
            <a href="/admin/audit">"Audit log"</a>
        </nav>
        <Section load=move || async move {
            members
                .await
                .map(|rows| {
                    view! {
                        <InviteBox />
                        <ImportBox />
                        <h2>"Members"</h2>
                        <table class="data-table members">
                            <thead>
                                <tr>
                                    <th>"Member"</th>
                                    <th>"Role"</th>
                                    <th>"Active proposals"</th>
                                    <th>"Limit"</th>
                                    <th>"Joined"</th>
                                </tr>
                            </thead>
                            <tbody>{rows.into_iter().map(|m| view! { <MemberLine member=m /> }).collect_view()}</tbody>
                        </table>
                    }
                })
        } />
    }
}

#[component]
fn MemberLine(member: MemberRow) -> impl IntoView {
    let action = ServerAction::<SetMemberLimit>::new();
    view! {
        <tr data-member=member.username.clone()>
            <td>{member.display_name.clone()} <span class="muted">{format!(" @{}", member.username)}</span></td>
            <td>{if member.is_admin { "admin" } else { "member" }}</td>
            <td>{member.active_proposals}</td>
            <td>
                <ActionForm action attr:class="inline">
                    <input type="hidden" name="user_id" value=member.id />
                    <input
                        name="limit"
                        size="4"
                        inputmode="numeric"
                        aria-label="Proposal limit"
                        placeholder="default"
                        value=member.proposal_limit.map(|l| l.to_string()).unwrap_or_default()
                    />
                    <button type="submit" class="link-button">
                        "Save"
                    </button>
                </ActionForm>
                {move || {
                    action
                        .value()
                        .get()
                        .map(|r| match r {
                            Ok(()) => view! { <span class="form-ok">"Saved"</span> }.into_any(),
                            Err(e) => {
                                view! {
                                    <span class="error-text" role="alert">
                                        {e.to_string()}
                                    </span>
                                }
                                    .into_any()
                            }
                        })
                }}
            </td>
            <td>{format_date(member.created_at)}</td>
        </tr>
    }
}

#[component]
fn InviteBox() -> impl IntoView {
    let action = ServerAction::<CreateInvitation>::new();
    view! {
        <section class="panel">
            <h2>"Invitations"</h2>
            <p class="muted">"An invitation link admits one new member and expires after 7 days."</p>
            <ActionForm action>
                <button class="button" type="submit">
                    "Create an invitation link"
                </button>
            </ActionForm>
            {move || {
                action
                    .value()
                    .get()
                    .map(|r| match r {
                        Ok(link) => {
                            view! { <p>"Send this link: " <code class="invite-link">{link}</code></p> }.into_any()
                        }
                        Err(e) => {
                            view! {
                                <p class="error-text" role="alert">
                                    {e.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </section>
    }
}

/// Upload a CSV or JSON file of films to `/api/v1/import` (needs JavaScript to send the file).
#[component]
fn ImportBox() -> impl IntoView {
    let answer = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let format = RwSignal::new("csv".to_string());
    let dry_run = RwSignal::new(true);
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_input.get_untracked().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                answer.set(Some("Choose a file first.".into()));
                return;
            };
            busy.set(true);
            let path = format!("/api/v1/import?format={}&dry_run={}", format.get_untracked(), dry_run.get_untracked());
            leptos::task::spawn_local(async move {
                answer.set(Some(crate::components::fetch::send_file(&path, file).await));
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file_input, format, dry_run);
    };
    view! {
        <section class="panel">
            <h2>"Import films"</h2>
            <p class="muted">
                "A CSV or JSON file with the columns imdb_id, title, year, genres (separated by |), runtime_minutes, plot, "
                "poster_url, imdb_rating, imdb_votes, metascore, tomatometer, tmdb_rating, tmdb_popularity. "
                "Large files and IMDb's dataset files: " <code>"marquee import"</code> " on the server."
            </p>
            <form class="try-it" on:submit=upload>
                <input
                    type="file"
                    accept=".csv,.json,text/csv,application/json"
                    node_ref=file_input
                    aria-label="File to import"
                />
                <label>
                    "Format " <select on:change=move |ev| format.set(event_target_value(&ev))>
                        <option value="csv">"CSV"</option>
                        <option value="json">"JSON"</option>
                    </select>
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || dry_run.get()
                        on:change=move |ev| dry_run.set(event_target_checked(&ev))
                    />
                    " Dry run (check and report, write nothing)"
                </label>
                <button class="button" type="submit" disabled=move || busy.get()>
                    "Upload"
                </button>
            </form>
            {move || answer.get().map(|a| view! { <pre class="api-answer">{a}</pre> })}
        </section>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| (q.get("action"), q.get("actor"), crate::validate::parse_page(q.get("page").as_deref())))
    };
    let entries = Resource::new_blocking(params, |(action, actor, page)| audit_log(action, actor, page));
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <nav class="tabs">
            <a href="/admin">"Members"</a>
            <a href="/admin/audit" aria-current="page">
                "Audit log"
            </a>
        </nav>
        <Section load=move || async move {
            let (action, actor, _) = params();
            entries
                .await
                .map(|page| {
                    let (filter_action, filter_actor) = (action.clone(), actor.clone());
                    let href = move |n: u32| audit_href(&filter_action, &filter_actor, n);
                    let (number, has_more) = (page.page(), page.has_more());
                    view! {
                        <AuditFilters action=action.clone() actor=actor.clone() />
                        <p class="muted">{format!("{} entries", page.total)}</p>
                        <AuditTable entries=page.items />
                        <Pager page=number has_more href prev_label="← Newer" next_label="Older →" />
                    }
                })
        } />
    }
}

/// The audit log's filters: a form that works without JavaScript too.
#[component]
fn AuditFilters(action: Option<String>, actor: Option<String>) -> impl IntoView {
    view! {
        <form method="get" action="/admin/audit" class="filters">
            <label>
                "Action " <select name="action">
                    <option value="">"All"</option>
                    {AUDIT_ACTIONS
                        .iter()
                        .map(|(a, words)| {
                            let selected = action.as_deref() == Some(*a);
                            view! {
                                <option value=*a selected=selected>
                                    {format!("{a} ({words})")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>"Member " <input name="actor" value=actor.clone().unwrap_or_default() size="12" /></label>
            <button class="button small" type="submit">
                "Filter"
            </button>
        </form>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <table class="data-table audit">
            <thead>
                <tr>
                    <th>"When (UTC)"</th>
                    <th>"Who"</th>
                    <th>"Action"</th>
                    <th>"Subject"</th>
                    <th>"Details"</th>
                    <th>"Address"</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|e| {
                        view! {
                            <tr data-action=e.action.clone()>
                                <td>{format_timestamp(e.at)}</td>
                                <td>{e.actor.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>{e.action.clone()}</td>
                                <td>
                                    {e
                                        .subject_type
                                        .clone()
                                        .zip(e.subject_id.clone())
                                        .map(|(t, id)| format!("{t} {id}"))}
                                </td>
                                <td>{e.details.clone()}</td>
                                <td>{e.ip.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

fn audit_href(action: &Option<String>, actor: &Option<String>, page: u32) -> String {
    let mut parts = vec![format!("page={page}")];
    if let Some(a) = action {
        parts.push(format!("action={a}"));
    }
    if let Some(a) = actor {
        parts.push(format!(
            "actor={}",
            a.chars().filter(|c| c.is_alphanumeric() || "._-".contains(*c)).collect::<String>()
        ));
    }
    format!("/admin/audit?{}", parts.join("&"))
}

fn format_timestamp(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{} {:02}:{:02}", format_date(unix), secs / 3600, (secs % 3600) / 60)
}
