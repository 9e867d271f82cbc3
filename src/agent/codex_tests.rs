//! Unit tests of `agent::codex`.

use super::*;
use crate::agent::Status;

fn finished(code: i32, stdout: &str) -> Finished {
    Finished { code: Some(code), stdout: stdout.into(), combined: stdout.into(), ..Default::default() }
}

const OK: &str = r#"{"type":"thread.started","thread_id":"th-9"}
{"type":"turn.started"}
{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"thinking"}}
{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"first"}}
{"type":"item.completed","item":{"id":"item_2","type":"command_execution","command":"ls","aggregated_output":"","exit_code":0,"status":"completed"}}
{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Added the test.\nSTATUS: DONE_WITH_CONCERNS slow"}}
{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":7}}
{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":3}}
"#;

#[test]
fn last_agent_message_usage_summed_and_thread_id() {
    let o = interpret(&finished(0, OK)).unwrap();
    assert_eq!(o.status, Status::DoneWithConcerns);
    assert_eq!(o.message, "Added the test.\nSTATUS: DONE_WITH_CONCERNS slow");
    assert_eq!(
        o.usage,
        Usage {
            cost_usd: None,
            input_tokens: Some(110),
            output_tokens: Some(10),
            turns: Some(2),
            session_id: Some("th-9".into())
        }
    );
    let old = "{\"type\":\"item.completed\",\"item\":{\"item_type\":\"assistant_message\",\"text\":\"STATUS: BLOCKED no spec\"}}\n{\"type\":\"turn.completed\",\"usage\":{}}\n";
    let o = interpret(&finished(0, old)).unwrap();
    assert_eq!((o.status, o.message.as_str()), (Status::Blocked, "no spec"));
}

#[test]
fn failures_and_malformed_streams() {
    let failed = |out: &str| match interpret(&finished(1, out)) {
        Err(AgentError::Failed { message, .. }) => message,
        other => panic!("{other:?}"),
    };
    let tf = "{\"type\":\"thread.started\",\"thread_id\":\"t\"}\n{\"type\":\"turn.failed\",\"error\":{\"message\":\"usage limit\"}}\n";
    assert_eq!(failed(tf), "codex failed: usage limit");
    let err = "{\"type\":\"error\",\"message\":\"stream disconnected\"}\n{\"type\":\"turn.failed\",\"error\":{\"message\":\"stream disconnected\"}}\n";
    assert_eq!(failed(err), "codex failed: stream disconnected");
    let malformed = |out: &str| matches!(interpret(&finished(0, out)), Err(AgentError::Malformed { .. }));
    assert!(malformed("hello\nworld\n"));
    assert!(malformed(""));
    assert!(malformed("{\"type\":\"thread.started\",\"thread_id\":\"t\"}\n{\"type\":\"turn.comp"));
    assert!(failed("not json").starts_with("codex exited with exit 1:"));
}
