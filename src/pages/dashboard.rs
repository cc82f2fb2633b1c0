use crate::components::section::Section;
use crate::components::table::{headers, DataTable};
use crate::error::AppError;
use crate::model::{OperationsView, SiteStats};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;

#[server(endpoint = "get_stats", input = GetUrl)]
pub async fn get_stats() -> Result<SiteStats, AppError> {
    use crate::server::web::call::serve;
    serve(|call| async move {
        let state = &call.state;
        state.catalogue.stats().await
    })
    .await
}

/// Request, cache and background-job figures (with the jobs' last errors): for admins only.
#[server(endpoint = "get_operations", input = GetUrl)]
pub async fn get_operations() -> Result<OperationsView, AppError> {
    use crate::server::web::{call::serve, metrics};
    serve(|call| async move {
        call.admin().await?;
        Ok(metrics::operations(&call.state))
    })
    .await
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    // Only an admin's page asks for the operations figures (anyone else would be refused).
    let operations = Resource::new_blocking(
        || (),
        |_| async {
            match crate::components::session::whoami().await? {
                Some(viewer) if viewer.is_admin => get_operations().await.map(Some),
                _ => Ok(None),
            }
        },
    );
    let stats = Resource::new_blocking(|| (), |_| get_stats());
    view! {
        <Title text="Dashboard" />
        <h1>"Dashboard"</h1>
        <Section load=move || async move {
            stats
                .await
                .map(|s| {
                    let tiles = [
                        ("Films", s.movies),
                        ("2020s candidates", s.candidates),
                        ("Members", s.members),
                        ("Active proposals", s.active_proposals),
                        ("Votes", s.votes),
                        ("Ratings", s.ratings),
                        ("List entries", s.list_entries),
                        ("Award nominations", s.nominations),
                        ("Stale IMDb entries", s.stale_imdb),
                        ("Failed IMDb fetches", s.failed_imdb),
                    ];
                    view! {
                        <dl class="tiles">
                            {tiles
                                .into_iter()
                                .map(|(label, value)| {
                                    view! {
                                        <div class="tile">
                                            <dt>{label}</dt>
                                            <dd>{value}</dd>
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </dl>
                    }
                })
        } />
        <AdminLinks />
        <h2 class="section-title">"Recent activity"</h2>
        <section class="panel">
            <crate::components::club::RecentActivity />
        </section>
        <Section load=move || async move {
            operations
                .await
                .map(|ops| {
                    ops.map(|ops| {
                        view! {
                            <h2 class="section-title">"Since the server started"</h2>
                            <Operations ops />
                        }
                    })
                })
        } />
    }
}

/// Only admins see the way to the audit log and members' limits.
#[component]
fn AdminLinks() -> impl IntoView {
    let viewer = Resource::new_blocking(|| (), |_| crate::components::session::whoami());
    view! {
        <Section
            fallback=|| ()
            load=move || async move {
                viewer
                    .await
                    .ok()
                    .flatten()
                    .filter(|v| v.is_admin)
                    .map(|_| {
                        view! {
                            <p class="panel admin-links">
                                "Admin: " <a href="/admin/audit">"audit log"</a> " · "
                                <a href="/admin">"members and proposal limits"</a> " · "
                                <a href="/metrics">"metrics"</a>
                            </p>
                        }
                    })
            }
        />
    }
}

#[component]
fn Operations(ops: OperationsView) -> impl IntoView {
    view! {
        <section aria-label="Requests">
            <h3>"Requests"</h3>
            <DataTable headers=headers(
                &["Route", "Requests", "Server errors", "Mean", "Slowest", "SQL per request"],
            )>
                {ops
                    .routes
                    .into_iter()
                    .map(|r| {
                        view! {
                            <tr>
                                <td>{r.route}</td>
                                <td>{r.requests}</td>
                                <td>{r.errors}</td>
                                <td>{format!("{:.1} ms", r.mean_ms)}</td>
                                <td>{format!("{:.1} ms", r.max_ms)}</td>
                                <td>{format!("{:.1}", r.mean_queries)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
        <section aria-label="Caches">
            <h3>"Caches"</h3>
            <DataTable headers=headers(
                &["Cache", "Hits", "Misses", "Hit ratio", "Time computing"],
            )>
                {ops
                    .caches
                    .into_iter()
                    .map(|c| {
                        let lookups = c.hits + c.misses;
                        let ratio = if lookups == 0 {
                            "—".to_string()
                        } else {
                            format!("{:.0} %", 100.0 * c.hits as f64 / lookups as f64)
                        };
                        view! {
                            <tr>
                                <td>{c.name}</td>
                                <td>{c.hits}</td>
                                <td>{c.misses}</td>
                                <td>{ratio}</td>
                                <td>{format!("{:.1} ms", c.compute_ms)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
        <section aria-label="Background jobs">
            <h3>"Background jobs"</h3>
            <DataTable headers=headers(
                &["Job", "Runs", "Failures", "Last run took", "Last error"],
            )>
                {ops
                    .jobs
                    .into_iter()
                    .map(|j| {
                        view! {
                            <tr>
                                <td>{j.job}</td>
                                <td>{j.runs}</td>
                                <td>{j.failures}</td>
                                <td>{format!("{:.0} ms", j.last_duration_ms)}</td>
                                <td>{j.last_error.unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </section>
    }
}
