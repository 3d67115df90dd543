//! The text a person reads: amounts as decimals, sales in one line, tables in columns.

use mppoint::{format_amount, Site};
use serde_json::Value;

/// The string at `path` (`"payment.state"`) of a JSON value; numbers as written; `""` when
/// absent or null.
pub fn field(value: &Value, path: &str) -> String {
    let mut at = value;
    for part in path.split('.') {
        match at.get(part) {
            Some(next) => at = next,
            None => return String::new(),
        }
    }
    match at {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Minor units shown as the cashier reads them (`"15.00"`); `""` for no amount.
pub fn amount(minor: Option<i64>, site: Option<Site>) -> String {
    minor.map(|m| format_amount(m, site)).unwrap_or_default()
}

/// One line for a sale as the service showed it: `FINISHED  15.00  payment 2000… approved`.
pub fn sale_line(sale: &Value, site: Option<Site>) -> String {
    let mut line = format!(
        "{}  {}",
        field(sale, "state"),
        amount(sale["amount"].as_i64(), site)
    );
    let payment = field(sale, "payment.id");
    if !payment.is_empty() {
        line.push_str(&format!("  payment {payment}"));
        match field(sale, "payment.state").as_str() {
            "" => line.push_str(" (look at the terminal: it needs confirmation)"),
            state => line.push_str(&format!(" {state}")),
        }
        let detail = field(sale, "payment.status_detail");
        if !detail.is_empty() {
            line.push_str(&format!(" ({detail})"));
        }
    }
    line
}

/// Rows in columns, two spaces apart, under a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut text = line(header.to_vec());
    for row in rows {
        text.push('\n');
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_sale_reads_in_one_line() {
        let sale = json!({"state":"FINISHED","amount":1500,
            "payment":{"id":"20000000001","state":"approved"}});
        assert_eq!(
            sale_line(&sale, None),
            "FINISHED  15.00  payment 20000000001 approved"
        );
        let chile = json!({"state":"OPEN","amount":1500});
        assert_eq!(sale_line(&chile, Some(Site::Chile)), "OPEN  1500");
    }

    #[test]
    fn columns_line_up() {
        let text = table(
            &["ID", "MODE"],
            &[
                vec!["A".into(), "PDV".into()],
                vec!["LONGER".into(), "".into()],
            ],
        );
        assert_eq!(text, "ID      MODE\nA       PDV\nLONGER");
    }
}
