//! The outbox: messages written in the transaction of the change that causes them.

use selfreg::db::outbox::{self, Outgoing};

use crate::helpers::*;

#[tokio::test]
async fn a_message_with_a_dedupe_key_is_written_once() {
    let app = spawn_app().await;
    let mut c = app.conn();
    let msg = Outgoing::new("reminder_due_7d", "someone@example.org", None, "zh-CN", &serde_json::json!({"report": 1}))
        .unwrap()
        .once("reminder:due_7d:report:1".into());
    let first = selfreg::db::write(&mut c, |c| outbox::enqueue(c, &msg)).unwrap();
    assert!(first.is_some());
    let second = selfreg::db::write(&mut c, |c| outbox::enqueue(c, &msg)).unwrap();
    assert_eq!(second, None, "the same key is written once");
    let kept = outbox::to_recipient(&mut c, "someone@example.org").unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].state, outbox::STATE_PENDING);
    assert_eq!(kept[0].params, r#"{"report":1}"#);
}
