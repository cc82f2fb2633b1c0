use leptos::prelude::*;

/// Previous/next links around the page number: plain links that work with and without JavaScript
/// and keep the page in the address. `href` gives a page's address.
#[component]
pub fn Pager(
    page: u32,
    has_more: bool,
    #[prop(into)] href: Callback<u32, String>,
    #[prop(default = "← Previous")] prev_label: &'static str,
    #[prop(default = "Next →")] next_label: &'static str,
    /// Further classes for the `nav`.
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    view! {
        <nav class=format!("pager {class}").trim_end().to_string() aria-label="Pages">
            {(page > 1)
                .then(|| {
                    view! {
                        <a rel="prev" href=href.run(page - 1)>
                            {prev_label}
                        </a>
                    }
                })}
            <span class="pager-current">{format!("Page {page}")}</span>
            {has_more
                .then(|| {
                    view! {
                        <a rel="next" href=href.run(page + 1)>
                            {next_label}
                        </a>
                    }
                })}
        </nav>
    }
}
