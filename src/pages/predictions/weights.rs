//! Choosing how films are weighed: profile buttons and five sliders that re-rank in place.

use super::*;

/// Profile buttons and five weight sliders; a change re-ranks in place and updates the URL.
#[component]
pub(super) fn WeightControls(params: Params, active: ActiveWeights, profiles: Vec<ProfileInfo>) -> impl IntoView {
    let values: [RwSignal<u32>; 5] = active.percentages.map(RwSignal::new);
    let total = move || values.iter().map(|v| v.get()).sum::<u32>();
    let navigate = leptos_router::hooks::use_navigate();
    let apply = {
        let params = params.clone();
        move || {
            if total() == 100 {
                let w = values.iter().map(|v| v.get_untracked().to_string()).collect::<Vec<_>>().join(",");
                let href = params
                    .with(|p| {
                        p.w = Some(w);
                        p.profile = None;
                        p.page = 1;
                        p.film = None;
                    })
                    .href();
                navigate(&href, Default::default());
            }
        }
    };
    let tab = params.tab;
    // Closed until the reader asks (the ranking comes first); open once they have chosen weights.
    let open = params.profile.is_some() || params.w.is_some();
    let summary = match &active.profile {
        Some(profile) => format!("Weights: {}", profile.name),
        None => "Weights: custom".to_string(),
    };
    view! {
        <details class="weights" aria-label="Weights" open=open>
            <summary>{summary}</summary>
            <ProfileChips params=params.clone() current=active.profile.as_ref().map(|p| p.slug.clone()) profiles />
            <form
                class="sliders"
                method="get"
                action="/predictions"
                on:submit={
                    let apply = apply.clone();
                    move |ev| {
                        ev.prevent_default();
                        apply();
                    }
                }
            >
                {(tab != Tab::Candidates).then(|| view! { <input type="hidden" name="tab" value=tab.key() /> })}
                {DIMENSIONS
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let value = values[i];
                        let apply = apply.clone();
                        let id = format!("w-{}", d.key());
                        view! {
                            <label for=id.clone()>
                                <span>{d.label()}</span>
                                <output>{move || format!("{} %", value.get())}</output>
                            </label>
                            <input
                                type="range"
                                id=id
                                name="w"
                                min="0"
                                max="100"
                                step="1"
                                aria-label=d.label()
                                value=value.get_untracked().to_string()
                                prop:value=move || value.get().to_string()
                                on:input=move |ev| value.set(event_target_value(&ev).parse().unwrap_or(0))
                                on:change=move |_| apply()
                            />
                        }
                    })
                    .collect_view()}
                <SlidersFooter values params=params.clone() />
            </form>
        </details>
    }
}

/// A chip per weight profile (a link that ranks by it), and "Custom" when the weights are the
/// reader's own.
#[component]
fn ProfileChips(params: Params, current: Option<String>, profiles: Vec<ProfileInfo>) -> impl IntoView {
    view! {
        <div class="profiles" role="group" aria-label="Profiles">
            {profiles
                .into_iter()
                .map(|prof| {
                    let is_current = (current.as_deref() == Some(prof.slug.as_str())).then_some("true");
                    let href = params
                        .with(|p| {
                            p.profile = Some(prof.slug.clone());
                            p.w = None;
                            p.page = 1;
                            p.film = None;
                        })
                        .href();
                    view! {
                        <a class="chip" href=href aria-current=is_current>
                            {prof.name.clone()}
                        </a>
                    }
                })
                .collect_view()}
            {current
                .is_none()
                .then(|| {
                    view! {
                        <span class="chip" aria-current="true">
                            "Custom"
                        </span>
                    }
                })}
        </div>
    }
}

/// The weights' total (they must add up to 100 %), Apply, and Reset to the default profile.
#[component]
fn SlidersFooter(values: [RwSignal<u32>; 5], params: Params) -> impl IntoView {
    let total = move || values.iter().map(|v| v.get()).sum::<u32>();
    let reset_href = params
        .with(|p| {
            p.w = None;
            p.profile = None;
            p.page = 1;
            p.film = None;
        })
        .href();
    view! {
        <p class="sliders-total" class:bad=move || total() != 100 role="status">
            {move || {
                if total() == 100 {
                    "Total 100 %".to_string()
                } else {
                    format!("Total {} %: the weights must add up to 100 %", total())
                }
            }}
        </p>
        <p class="sliders-actions">
            <button type="submit" class="button primary" prop:disabled=move || total() != 100>
                "Apply"
            </button>
            <a class="button" href=reset_href>
                "Reset"
            </a>
        </p>
    }
}
