//! Unit tests of `policy::migrations::python`.

use super::*;

fn parse(src: &str) -> Value {
    let t = lex(src).unwrap();
    value(&t, 0).0
}

#[test]
fn strings_hide_brackets_keywords_and_newlines() {
    let src = "x = \"\"\"\ndef upgrade(): )\n\"\"\"\ny = f'a{b}' r'\\'' 'it\\'s'\n";
    let t = lex(src).unwrap();
    let lines = logical_lines(&t);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].1[2].tok, Tok::Str("\ndef upgrade(): )\n".into()));
    assert_eq!(lines[1].1[3].tok, Tok::Str("\\'".into()));
    assert_eq!(lines[1].1[4].tok, Tok::Str("it's".into()));
    assert!(lex("x = 'open\n").is_err());
}

#[test]
fn brackets_join_lines_and_indentation_is_kept() {
    let t = lex("def f():\n    op.add_column(\n  't',\n)  # c\n    pass\n").unwrap();
    let lines: Vec<usize> = logical_lines(&t).iter().map(|(i, _)| *i).collect();
    assert_eq!(lines, [0, 4, 4]);
}

#[test]
fn calls_with_positional_keyword_nested_and_complex_arguments() {
    let v = parse(
        "op.add_column('users', sa.Column('age', sa.Integer(), nullable=False, server_default=sa.text('0')), x=1 + 2, *rest)",
    );
    let Value::Call(c) = v else { panic!() };
    assert_eq!(c.func, "op.add_column");
    assert_eq!(c.name(), "add_column");
    assert_eq!(c.arg(0, "table_name"), Some(&Value::Str("users".into())));
    let Some(Value::Call(col)) = c.args.get(1) else { panic!() };
    assert_eq!(col.args[0], Value::Str("age".into()));
    assert!(col.kw("nullable").unwrap().is_name("False"));
    assert_eq!(col.kw("server_default").unwrap().text().as_deref(), Some("0"));
    assert_eq!(c.kw("x"), Some(&Value::Other));
    assert_eq!(c.args.len(), 3);
    assert_eq!(
        parse("['a', ('b', 1), {'k': 2}]"),
        Value::List(vec![
            Value::Str("a".into()),
            Value::List(vec![Value::Str("b".into()), Value::Other]),
            Value::Other
        ])
    );
    assert_eq!(parse("'a' 'b'"), Value::Str("ab".into()));
}
