//! A result code inside an HTTP 200: many government APIs answer every request with 200 and say
//! in the body whether they accepted it. With an `envelope` in the profile, an answer whose code
//! is not a success is a refusal carrying the channel's code and message, never an empty page
//! and never a delivery. Pure: tested without a network.

use super::mapping::at_path;
use super::profile::ResultEnvelope;
use serde_json::Value;

/// The channel's explanation is kept to this many characters: enough to act on, never a body.
const MESSAGE_LIMIT: usize = 120;

/// The channel said no, in its own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    pub message: String,
}

/// Whether `body` is an accepted answer under `envelope`. An answer without a code is not an
/// acceptance: a channel that drops its envelope has changed shape, and nothing it says can be
/// trusted as delivered.
pub fn check(envelope: &ResultEnvelope, body: &Value) -> Result<(), Refusal> {
    let code = match at_path(body, &envelope.code) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => {
            return Err(Refusal {
                code: String::new(),
                message: format!("no result code at {:?} in the answer", envelope.code),
            });
        }
    };
    if envelope.success.contains(&code) {
        return Ok(());
    }
    let message = envelope
        .message
        .as_deref()
        .and_then(|path| at_path(body, path))
        .map(|v| match v {
            Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        })
        .unwrap_or_default();
    Err(Refusal { code, message: message.chars().take(MESSAGE_LIMIT).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::channel_profile::OneOrMany;
    use serde_json::json;

    fn envelope(success: OneOrMany) -> ResultEnvelope {
        ResultEnvelope { code: "resultCode".into(), success, message: Some("resultMsg".into()) }
    }

    #[test]
    fn a_success_code_is_accepted_as_text_or_number() {
        let one = envelope(OneOrMany::One("0000".into()));
        assert_eq!(check(&one, &json!({"resultCode": "0000", "data": {}})), Ok(()));
        let many = envelope(OneOrMany::Many(vec!["0".into(), "0000".into()]));
        assert_eq!(check(&many, &json!({"resultCode": 0})), Ok(()));
        assert_eq!(check(&many, &json!({"resultCode": "0000"})), Ok(()));
    }

    #[test]
    fn any_other_code_is_a_refusal_with_the_channels_code_and_message() {
        let one = envelope(OneOrMany::One("0000".into()));
        let refused = check(&one, &json!({"resultCode": "2003", "resultMsg": "工单状态不允许签收"}));
        assert_eq!(refused, Err(Refusal { code: "2003".into(), message: "工单状态不允许签收".into() }));
    }

    #[test]
    fn an_answer_without_a_code_is_not_an_acceptance() {
        let one = envelope(OneOrMany::One("0000".into()));
        let refused = check(&one, &json!({"ok": true})).unwrap_err();
        assert_eq!(refused.code, "");
        assert!(refused.message.contains("resultCode"), "{}", refused.message);
    }

    #[test]
    fn nested_paths_reach_into_the_body() {
        let nested = ResultEnvelope {
            code: "head.rtnCode".into(),
            success: OneOrMany::One("000000".into()),
            message: Some("head.rtnMsg".into()),
        };
        let refused = check(&nested, &json!({"head": {"rtnCode": "900001", "rtnMsg": "签名错误"}}));
        assert_eq!(refused, Err(Refusal { code: "900001".into(), message: "签名错误".into() }));
    }
}
