//! The first paint: the header and the page's heading as plain HTML,
//! styled by the app's own stylesheet, so a phone shows the page as soon as
//! the HTML and CSS arrive, long before the wasm has started. The app removes
//! `#prerender` as it mounts and draws the same things in the same places (a
//! browser test compares the heading's position), so nothing moves. It is
//! also what a visitor without JavaScript, or a crawler, reads.
//!
//! The markup mirrors `src/components/layout.rs` (header) and the top of each
//! page; the texts come from the same `locales/`.

use std::fmt::Write as _;

use kolaborasi_shared::Category;

use crate::i18n::Lang;
use crate::seo::escape;

/// What the first paint shows of a page's own content.
pub enum FirstMain {
    /// The map page's heading and introduction, where the app draws them.
    Map,
    /// A content page's heading and first paragraph (`page narrow` or
    /// `page wide`); the paragraph's class as the page gives it (`lead` or none).
    Page {
        heading: String,
        lead: Option<(String, &'static str)>,
        wide: bool,
    },
    /// A place's page: the back link, its badges and name.
    Place {
        name: String,
        /// The category's name and colour.
        category: (String, &'static str),
        verified: bool,
        demo: bool,
    },
    /// A collaboration's tracking page: its code as the app draws it, and
    /// what it is in one sentence.
    Tracking { code: String, summary: String },
    /// The commitment form's top: back link, heading, the three steps and
    /// the first step's heading and introduction, as the form draws them.
    Commit { id: i64, place: String },
}

/// The shell with the first paint after `<body>`, the demo hint on `<body>`
/// (the app shows its banner from the start) and the document's language.
#[must_use]
pub fn insert(shell: &str, lang: Lang, path: &str, main: &FirstMain, demo: bool) -> String {
    let paint = format!(
        "<div id=\"prerender\">{}<main id=\"main\" tabindex=\"-1\">{}</main></div>",
        header(lang, path, demo),
        content(lang, main)
    );
    let body = if demo { "<body data-demo>" } else { "<body>" };
    let mut html = shell.replacen("<body>", &format!("{body}{paint}"), 1);
    if lang == Lang::En {
        html = html.replacen("<html lang=\"id\">", "<html lang=\"en\">", 1);
    }
    html
}

/// A message, escaped for HTML.
fn t(lang: Lang, key: &str) -> String {
    escape(&lang.message(key, &[]))
}

/// The skip link, the header bar, the live strip's reserved line and the
/// demo banner, as `Header` draws them before its data has arrived.
fn header(lang: Lang, path: &str, demo: bool) -> String {
    let mut nav = String::new();
    for (href, key, class) in [
        ("/", "nav.map", ""),
        ("/dekat", "nav.nearby", ""),
        ("/kolaborasi", "nav.track", ""),
        ("/transparansi", "nav.transparency", "nav-transparency"),
        ("/tentang", "nav.about", "nav-about"),
    ] {
        let current = if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        };
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        let current = if current {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            nav,
            "<a href=\"{href}\"{class}{current}>{}</a>",
            t(lang, key)
        );
    }
    let other = match lang {
        Lang::Id => "en",
        Lang::En => "id",
    };
    let banner = if demo {
        format!(
            "<p class=\"demo-banner\" role=\"note\">{}</p>",
            t(lang, "demo.banner")
        )
    } else {
        String::new()
    };
    format!(
        "<a class=\"skip-link\" href=\"#main\">{skip}</a>\
         <header class=\"site-header\"><div class=\"bar\">\
         <a href=\"/\" class=\"brand\"><img src=\"/favicon.svg\" alt=\"\" width=\"36\" height=\"36\" />\
         <span class=\"brand-text\"><span class=\"brand-name\">{name}</span>\
         <span class=\"brand-tagline\">{tagline}</span></span></a>\
         <button type=\"button\" class=\"lang-switch\" aria-label=\"{switch_hint}\">\
         <span lang=\"{other}\"><span class=\"lang-long\">{switch_to}</span>\
         <span class=\"lang-short\" aria-hidden=\"true\">{switch_short}</span></span></button>\
         <button type=\"button\" id=\"menu-toggle\" class=\"menu-toggle\" aria-controls=\"site-menu\" \
         aria-expanded=\"false\"><svg viewBox=\"0 0 24 24\" width=\"22\" height=\"22\" \
         aria-hidden=\"true\" focusable=\"false\"><path d=\"M3 6h18M3 12h18M3 18h18\" \
         stroke=\"currentColor\" stroke-width=\"2.4\" stroke-linecap=\"round\" /></svg>\
         <span class=\"menu-label\">{menu}</span></button>\
         <div id=\"site-menu\" class=\"site-menu\">\
         <nav aria-label=\"{nav_label}\" class=\"main-nav\">{nav}</nav>\
         <div class=\"account-nav\" role=\"group\" aria-label=\"{account}\"></div></div></div>\
         <section class=\"live-strip\" aria-label=\"{live}\">\
         <a href=\"/transparansi\" class=\"live-link\"><ul></ul></a></section>{banner}</header>",
        skip = t(lang, "app.skip_to_content"),
        name = t(lang, "app.name"),
        tagline = t(lang, "app.tagline"),
        nav_label = t(lang, "nav.main"),
        account = t(lang, "account.nav"),
        switch_hint = t(lang, "lang.switch_hint"),
        switch_to = t(lang, "lang.switch_to"),
        switch_short = t(lang, "lang.switch_short"),
        menu = t(lang, "nav.menu"),
        live = t(lang, "live.label"),
    )
}

fn content(lang: Lang, main: &FirstMain) -> String {
    match main {
        FirstMain::Map => map_page(lang),
        FirstMain::Page {
            heading,
            lead,
            wide,
        } => {
            let lead = match lead {
                Some((text, "")) => format!("<p>{}</p>", escape(text)),
                Some((text, class)) => format!("<p class=\"{class}\">{}</p>", escape(text)),
                None => String::new(),
            };
            format!(
                "<div class=\"page {}\"><h1>{}</h1>{lead}</div>",
                if *wide { "wide" } else { "narrow" },
                escape(heading)
            )
        }
        FirstMain::Place {
            name,
            category,
            verified,
            demo,
        } => place(lang, name, category, *verified, *demo),
        FirstMain::Tracking { code, summary } => format!(
            "<div class=\"page narrow tracking-page\"><article class=\"tracking\">\
             <p class=\"eyebrow\">{}</p><div class=\"code-row\"><h1 class=\"tracking-code\">{}</h1>\
             <button type=\"button\" class=\"button button-quiet button-small\">{}</button></div>\
             <p class=\"lead\">{}</p></article></div>",
            t(lang, "track.code"),
            escape(code),
            t(lang, "track.copy_code"),
            escape(summary)
        ),
        FirstMain::Commit { id, place } => commit(lang, *id, place),
    }
}

/// The map page as `MapPage` draws it before its data: the filters (the
/// area picker's closed box), the list's empty slot, the count line saying
/// "loading", the map's box and the legend's switch. The map's box is
/// `#first-map`: on a first visit `index.html`'s script draws the map and
/// its points there before the wasm has arrived, and the app takes that map
/// over (`src/map/layer.rs`). The colours of the categories come with it.
fn map_page(lang: Lang) -> String {
    let mut chips = String::new();
    let mut colors = String::new();
    for c in Category::ALL {
        let _ = write!(
            chips,
            "<label class=\"chip\" data-category=\"{key}\"><input type=\"checkbox\" />\
             <span class=\"dot\" style=\"background: {color}\"></span><span>{name}</span></label>",
            key = c.as_str(),
            color = c.color(),
            name = t(lang, &format!("category.{}", c.as_str())),
        );
        let _ = write!(
            colors,
            "{}\"{}\":\"{}\"",
            if colors.is_empty() { "" } else { "," },
            c.as_str(),
            c.color()
        );
    }
    format!(
        "<div class=\"map-page\"><div class=\"sidebar\">\
         <section class=\"filters\" aria-labelledby=\"filters-heading\">\
         <h1 id=\"filters-heading\">{heading}</h1><p class=\"intro\">{intro}</p>\
         <details class=\"how-it-works\"><summary>{how}</summary><ol><li>{choose}</li><li>{deliver}</li>\
         <li>{confirm}</li></ol></details>\
         <nav class=\"view-switch\" aria-label=\"{switch}\"><a href=\"/\" aria-current=\"page\">{map}</a>\
         <a href=\"/?view=list\">{list}</a></nav>\
         <fieldset class=\"chips\"><legend>{category}</legend>{chips}</fieldset>\
         <div class=\"area-picker area-picker-pending\" aria-hidden=\"true\">\
         <span class=\"summary-label\">{area}</span></div>\
         <fieldset class=\"only-filters\"><legend class=\"visually-hidden\">{only}</legend>\
         <label class=\"open-only\"><input type=\"checkbox\" />{open_only}</label>\
         <label class=\"open-only\"><input type=\"checkbox\" />{reported_only}</label></fieldset>\
         </section><section class=\"list-panel\"></section></div>\
         <section class=\"map-panel\"><p class=\"map-count\" role=\"status\">{loading}</p>\
         <div class=\"map-frame\"><div class=\"map\" id=\"first-map\" role=\"region\" aria-label=\"{region}\" \
         data-colors=\"{colors}\"></div></div>\
         <section class=\"legend\" aria-label=\"{legend}\"><fieldset class=\"segmented\">\
         <legend>{color_by}</legend><div class=\"segments\">\
         <label class=\"segment segment-on\"><input type=\"radio\" name=\"color-by\" value=\"category\" checked />\
         <span>{by_category}</span></label>\
         <label class=\"segment\"><input type=\"radio\" name=\"color-by\" value=\"need\" />\
         <span>{by_need}</span></label></div></fieldset><ul></ul></section>\
         <p class=\"suggest-link\">{suggest_lead} <a href=\"/usulkan\">{suggest}</a></p>\
         </section></div>",
        heading = t(lang, "map.heading"),
        intro = t(lang, "map.intro"),
        how = t(lang, "how.summary"),
        choose = t(lang, "how.choose"),
        deliver = t(lang, "how.deliver"),
        confirm = t(lang, "how.confirm"),
        switch = t(lang, "view.switch"),
        map = t(lang, "view.map"),
        list = t(lang, "view.list"),
        category = t(lang, "filter.category"),
        area = t(lang, "filter.area"),
        only = t(lang, "filter.only"),
        open_only = t(lang, "filter.open_only"),
        reported_only = t(lang, "filter.reported_only"),
        loading = t(lang, "status.loading"),
        region = t(lang, "map.region_label"),
        colors = escape(&format!("{{{colors}}}")),
        legend = t(lang, "map.legend"),
        color_by = t(lang, "map.color_by"),
        by_category = t(lang, "map.color_category"),
        by_need = t(lang, "map.color_need"),
        suggest_lead = t(lang, "map.suggest_lead"),
        suggest = t(lang, "map.suggest"),
    )
}

/// The profile's top as `Profile` draws it: back link, badges, name.
fn place(
    lang: Lang,
    name: &str,
    (category, color): &(String, &'static str),
    verified: bool,
    demo: bool,
) -> String {
    let checked = if verified {
        format!(
            "<span class=\"badge badge-ok\">{}</span>",
            t(lang, "location.verified")
        )
    } else {
        format!(
            "<span class=\"badge\">{}</span>",
            t(lang, "location.unverified")
        )
    };
    let demo = if demo {
        format!(
            "<span class=\"badge badge-demo\">{}</span>",
            t(lang, "location.demo")
        )
    } else {
        String::new()
    };
    format!(
        "<div class=\"page narrow\"><p class=\"back\"><a href=\"/\">\
         <span aria-hidden=\"true\">← </span>{}</a></p>\
         <article class=\"profile\"><p class=\"badges\">\
         <span class=\"badge\" style=\"border-color:{color}\">\
         <span class=\"dot\" style=\"background:{color}\"></span>{}</span>{checked}{demo}</p>\
         <h1>{}</h1></article></div>",
        t(lang, "location.back"),
        escape(category),
        escape(name)
    )
}

/// The commitment form's top as `CommitForm` draws it on its first step.
fn commit(lang: Lang, id: i64, place: &str) -> String {
    let mut steps = String::new();
    for (i, key) in [
        "commit.step_packages",
        "commit.step_details",
        "commit.step_review",
    ]
    .iter()
    .enumerate()
    {
        let current = if i == 0 {
            " class=\"step-current\" aria-current=\"step\""
        } else {
            ""
        };
        let _ = write!(
            steps,
            "<li{current}><span class=\"step-number\" aria-hidden=\"true\">{}</span>\
             <span class=\"step-name\">{}</span></li>",
            i + 1,
            t(lang, key)
        );
    }
    let step_heading = lang.message(
        "commit.step_of",
        &[
            ("n", "1"),
            ("total", "3"),
            ("title", &lang.message("commit.step_packages", &[])),
        ],
    );
    format!(
        "<div class=\"page narrow commit-page\"><p class=\"back\"><a href=\"/lokasi/{id}\">\
         <span aria-hidden=\"true\">← </span>{}</a></p>\
         <h1 class=\"commit-title\">{}<span class=\"commit-place\">{}</span></h1>\
         <ol class=\"steps\" aria-label=\"{}\">{steps}</ol>\
         <div class=\"commit-form\"><h2 class=\"step-heading\">{}</h2>\
         <div class=\"form-alert-slot\"></div>\
         <p class=\"step-intro\">{}</p></div></div>",
        escape(&lang.message("commit.back_to", &[("place", place)])),
        t(lang, "commit.heading"),
        escape(place),
        t(lang, "commit.steps"),
        escape(&step_heading),
        t(lang, "commit.packages_intro"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: &str =
        "<!doctype html><html lang=\"id\"><head></head><body><noscript>JS</noscript></body></html>";

    #[test]
    fn the_paint_comes_first_in_the_body_escaped_and_marked_current() {
        let html = insert(
            SHELL,
            Lang::Id,
            "/lokasi/3",
            &FirstMain::Place {
                name: "Panti <Kasih> & \"Ibu\"".into(),
                category: ("Panti asuhan".into(), "#0072b2"),
                verified: false,
                demo: true,
            },
            true,
        );
        assert!(html.contains("<body data-demo><div id=\"prerender\">"));
        assert!(html.contains("<h1>Panti &lt;Kasih&gt; &amp; &quot;Ibu&quot;</h1>"));
        assert!(html.contains("<p class=\"demo-banner\" role=\"note\">"));
        assert!(html.contains("<span class=\"badge badge-demo\">"));
        // No nav link is current on a place's page.
        assert!(!html.contains("aria-current"));
        assert!(html.find("prerender") < html.find("<noscript>"));
    }

    #[test]
    fn english_visitors_get_english_and_the_track_link_covers_its_codes() {
        let html = insert(
            SHELL,
            Lang::En,
            "/kolaborasi/AB12-CD34",
            &FirstMain::Tracking {
                code: "AB12-CD34".into(),
                summary: "A collaborator committed aid.".into(),
            },
            false,
        );
        assert!(html.starts_with("<!doctype html><html lang=\"en\">"));
        assert!(html.contains("<body><div id=\"prerender\">"));
        assert!(html.contains("<a href=\"/kolaborasi\" aria-current=\"page\">"));
        assert!(html.contains("<h1 class=\"tracking-code\">AB12-CD34</h1>"));
        assert!(html.contains("<span lang=\"id\">"));
    }
}
