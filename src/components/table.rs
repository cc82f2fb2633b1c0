use leptos::prelude::*;

/// A scrollable table with a header row; rows come as children.
#[component]
pub fn DataTable(headers: Vec<String>, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>{headers.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// Header labels from string literals.
pub fn headers(labels: &[&str]) -> Vec<String> {
    labels.iter().map(|l| l.to_string()).collect()
}
