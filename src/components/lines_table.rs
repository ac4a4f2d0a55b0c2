//! A commitment's lines as a table: package, quantity, value, and the total.
//! Used by the commit form's review step and by the tracking page.

use leptos::prelude::*;

use crate::i18n::tr;

#[component]
pub fn LinesTable(
    /// The formatted total.
    #[prop(into)]
    total: Signal<String>,
    /// `data-testid` of the total cell.
    total_id: &'static str,
    /// The `<tr>` rows.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="lines-table">
                <thead>
                    <tr>
                        <th scope="col">{tr("commit.col_package")}</th>
                        <th scope="col" class="num">{tr("commit.col_quantity")}</th>
                        <th scope="col" class="num">{tr("commit.col_value")}</th>
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="2">{tr("commit.total")}</th>
                        <td class="num" data-testid=total_id>{total}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}
