use leptos::prelude::*;

/// Plain previous/next links: work with and without JavaScript, and keep the page in the URL.
#[component]
pub fn Pager(base: &'static str, page: u32, has_more: bool) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <a rel="prev" href=format!("{base}?page={}", page - 1)>"← Previous"</a> })}
            <span class="pager-current">{format!("Page {page}")}</span>
            {has_more.then(|| view! { <a rel="next" href=format!("{base}?page={}", page + 1)>"Next →"</a> })}
        </nav>
    }
}
