//! Unit tests of `agent::claude`.

use super::*;
use crate::agent::Status;

fn finished(code: i32, stdout: &str) -> Finished {
    Finished { code: Some(code), stdout: stdout.into(), combined: stdout.into(), ..Default::default() }
}

fn failed(code: i32, stdout: &str) -> String {
    match interpret(&finished(code, stdout)) {
        Err(AgentError::Failed { message, output }) => {
            assert_eq!(output, stdout);
            message
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn success_maps_result_status_and_usage() {
    let out = r#"{"type":"result","subtype":"success","is_error":false,"result":"Wrote the test.\nSTATUS: DONE","session_id":"s-1","num_turns":7,"total_cost_usd":0.42,"usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":5},"permission_denials":[]}"#;
    let o = interpret(&finished(0, out)).unwrap();
    assert_eq!(o.status, Status::Done);
    assert_eq!(o.message, "Wrote the test.\nSTATUS: DONE");
    assert_eq!(o.output, out);
    assert_eq!(
        o.usage,
        Usage {
            cost_usd: Some(0.42),
            input_tokens: Some(100),
            output_tokens: Some(5),
            turns: Some(7),
            session_id: Some("s-1".into())
        }
    );
    let q = r#"{"type":"result","subtype":"success","is_error":false,"result":"STATUS: NEEDS_CONTEXT — which table?"}"#;
    let o = interpret(&finished(0, q)).unwrap();
    assert_eq!((o.status, o.message.as_str()), (Status::NeedsContext, "which table?"));
    let s =
        r#"{"type":"result","subtype":"success","is_error":false,"result":"","structured_output":{"verdict":"PASS"}}"#;
    assert_eq!(interpret(&finished(0, s)).unwrap().message, r#"{"verdict":"PASS"}"#);
}

#[test]
fn error_results_are_failures() {
    let m = failed(1, r#"{"type":"result","subtype":"success","is_error":true,"result":"API Error: 529 overloaded"}"#);
    assert_eq!(m, "claude reported an error: API Error: 529 overloaded");
    let m = failed(0, r#"{"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":3}"#);
    assert_eq!(m, "claude hit its turn limit (agent.claude.max_turns) (error_max_turns after 3 turns)");
    let m = failed(1, r#"{"type":"result","subtype":"error_during_execution","errors":["boom"]}"#);
    assert_eq!(m, "claude failed during execution (error_during_execution): boom");
    let m = failed(
        0,
        r#"{"type":"result","subtype":"success","is_error":false,"result":"done","permission_denials":[{"tool_name":"Bash","tool_use_id":"t1","tool_input":{"command":"rm -rf x"}}]}"#,
    );
    assert!(m.starts_with("claude was denied 1 tool use(s): Bash (allow them"), "{m}");
}

#[test]
fn unreadable_output_is_malformed_unless_the_exit_says_failure() {
    for out in ["not json", r#"{"type":"result","subtype":"succ"#, "[1,2]", r#"{"type":"assistant"}"#] {
        assert!(matches!(interpret(&finished(0, out)), Err(AgentError::Malformed { .. })), "{out}");
    }
    assert!(failed(1, "Invalid API key").starts_with("claude exited with exit 1:\nInvalid API key"));
    let noisy =
        "update available\n{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"ok\"}\n";
    assert_eq!(interpret(&finished(0, noisy)).unwrap().message, "ok");
}
