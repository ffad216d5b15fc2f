//! What simulated connector calls answer: `action` steps (`stripe.createInvoice`,
//! …) and `email` steps. Nothing is sent anywhere; the engine records each
//! call ([`super::Engine::action_calls`]) and the step's output is the
//! answer below.

use serde_json::{Value, json};

/// The connector name `email` steps are recorded under.
pub(super) const EMAIL: &str = "email";

/// The id prefix of a connector method's answers (`inv` for invoices), `act`
/// for methods this table does not know.
fn default_prefix(connector: &str, method: &str) -> &'static str {
    match (connector, method) {
        ("stripe", "createInvoice" | "create_invoice") => "inv",
        ("stripe", "createCustomer" | "create_customer") => "cus",
        ("stripe", "createPaymentIntent" | "create_payment_intent") => "pi",
        (EMAIL | "gmail" | "sendgrid", _) | ("slack", _) => "msg",
        _ => "act",
    }
}

/// The answer of call number `n` of `connector.method` with `params`.
///
/// `stripe.createInvoice` answers an invoice (`id`, `number`, `status`,
/// `customer`, `amount_due`, `currency`, `metadata`), so templates such as
/// `{{steps.create-invoice.output.number}}` have something to read; other
/// methods answer `{"id": "<prefix>_<n>"}`.
pub(super) fn answer(
    connector: &str,
    method: &str,
    id_prefix: &str,
    params: &Value,
    n: u64,
) -> Value {
    let prefix = if id_prefix.is_empty() {
        default_prefix(connector, method)
    } else {
        id_prefix
    };
    let id = format!("{prefix}_{n}");
    match (connector, method) {
        ("stripe", "createInvoice" | "create_invoice") => json!({
            "id": id,
            "object": "invoice",
            "number": format!("INV-{n:04}"),
            "status": "open",
            "customer": params.get("customerId").or_else(|| params.get("customer")),
            "amount_due": params.get("amount"),
            "currency": params.get("currency").cloned().unwrap_or_else(|| json!("usd")),
            "metadata": params.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
        (EMAIL, _) => json!({
            "id": id,
            "status": "sent",
            "to": params.get("to"),
            "subject": params.get("subject"),
        }),
        _ => json!({ "id": id }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoices_have_a_number_and_echo_the_amount() {
        let invoice = answer(
            "stripe",
            "createInvoice",
            "",
            &json!({"customerId": "cus_1", "amount": 4857.84}),
            7,
        );
        assert_eq!(invoice["id"], "inv_7");
        assert_eq!(invoice["number"], "INV-0007");
        assert_eq!(invoice["customer"], "cus_1");
        assert_eq!(invoice["amount_due"], 4857.84);
        assert_eq!(invoice["currency"], "usd");
    }

    #[test]
    fn emails_and_unknown_methods() {
        let mail = answer(
            EMAIL,
            "send",
            "",
            &json!({"to": "a@b.c", "subject": "Hi"}),
            2,
        );
        assert_eq!(
            mail,
            json!({"id": "msg_2", "status": "sent", "to": "a@b.c", "subject": "Hi"})
        );
        assert_eq!(
            answer("crm", "sync", "", &json!({}), 3),
            json!({"id": "act_3"})
        );
        assert_eq!(
            answer("crm", "sync", "job", &json!({}), 3),
            json!({"id": "job_3"})
        );
    }
}
