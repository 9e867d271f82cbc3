//! Just enough Python to read migration files: a tokenizer that knows strings (so a `)` or a
//! `def` inside a SQL string does not fool us), brackets and logical lines with their indentation,
//! and a parser for call expressions like `op.add_column("t", sa.Column("c", nullable=True))`.
//! Anything more complex parses as [`Value::Other`], which the analysers treat conservatively.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Name(String),
    /// A string literal's value (adjacent literals are separate tokens).
    Str(String),
    Num,
    Op(String),
    /// The end of a logical line.
    Newline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// The column of the token when it starts a logical line.
    pub indent: Option<usize>,
}

const STRING_PREFIXES: [&str; 10] = ["r", "u", "b", "f", "br", "rb", "fr", "rf", "t", "tr"];

/// Tokenizes `src`. Fails only on an unterminated string.
pub fn lex(src: &str) -> Result<Vec<Token>, String> {
    let c: Vec<char> = src.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let (mut i, mut depth, mut line_start, mut line_no) = (0usize, 0usize, 0usize, 1usize);
    let mut at_start = true;
    let push = |out: &mut Vec<Token>, tok: Tok, col: usize, at_start: &mut bool| {
        let indent = if *at_start { Some(col) } else { None };
        *at_start = false;
        out.push(Token { tok, indent });
    };
    while i < c.len() {
        let ch = c[i];
        let col = i - line_start;
        match ch {
            '\n' => {
                if depth == 0 && !at_start {
                    out.push(Token { tok: Tok::Newline, indent: None });
                    at_start = true;
                }
                i += 1;
                line_start = i;
                line_no += 1;
            }
            ' ' | '\t' | '\r' | '\x0c' => i += 1,
            '#' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '\\' if c.get(i + 1) == Some(&'\n') => {
                i += 2;
                line_start = i;
                line_no += 1;
            }
            '\'' | '"' => {
                let (value, next, lines) =
                    string(&c, i, false).ok_or(format!("line {line_no}: unterminated string"))?;
                push(&mut out, Tok::Str(value), col, &mut at_start);
                line_no += lines;
                if lines > 0 {
                    line_start = c[..next].iter().rposition(|&x| x == '\n').map_or(line_start, |p| p + 1);
                }
                i = next;
            }
            c0 if c0.is_alphabetic() || c0 == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                if matches!(c.get(i), Some('\'' | '"')) && STRING_PREFIXES.contains(&word.to_ascii_lowercase().as_str())
                {
                    let raw = word.to_ascii_lowercase().contains('r');
                    let (value, next, lines) =
                        string(&c, i, raw).ok_or(format!("line {line_no}: unterminated string"))?;
                    push(&mut out, Tok::Str(value), col, &mut at_start);
                    line_no += lines;
                    if lines > 0 {
                        line_start = c[..next].iter().rposition(|&x| x == '\n').map_or(line_start, |p| p + 1);
                    }
                    i = next;
                } else {
                    push(&mut out, Tok::Name(word), col, &mut at_start);
                }
            }
            d if d.is_ascii_digit() => {
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                    i += 1;
                }
                push(&mut out, Tok::Num, col, &mut at_start);
            }
            _ => {
                let two: String = c[i..(i + 2).min(c.len())].iter().collect();
                let op = if ["==", "!=", "<=", ">=", "->", "**", ":=", "//"].contains(&two.as_str()) {
                    two
                } else {
                    ch.to_string()
                };
                match ch {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                i += op.chars().count();
                push(&mut out, Tok::Op(op), col, &mut at_start);
            }
        }
    }
    if !at_start {
        out.push(Token { tok: Tok::Newline, indent: None });
    }
    Ok(out)
}

/// A string literal starting at the quote `c[i]`: (value, index after it, newlines inside).
fn string(c: &[char], i: usize, raw: bool) -> Option<(String, usize, usize)> {
    let q = c[i];
    let triple = c.get(i + 1) == Some(&q) && c.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    let (mut value, mut lines) = (String::new(), 0);
    loop {
        let ch = *c.get(j)?;
        if ch == '\\' {
            let next = *c.get(j + 1)?;
            if next == '\n' {
                lines += 1;
            }
            if raw {
                value.push(ch);
                value.push(next);
            } else {
                value.push(if next == 'n' { '\n' } else { next });
            }
            j += 2;
            continue;
        }
        if ch == q && (!triple || (c.get(j + 1) == Some(&q) && c.get(j + 2) == Some(&q))) {
            return Some((value, if triple { j + 3 } else { j + 1 }, lines));
        }
        if ch == '\n' {
            if !triple {
                return None;
            }
            lines += 1;
        }
        value.push(ch);
        j += 1;
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    /// A (dotted) name: `None`, `True`, `sa.Integer`.
    Name(String),
    Call(Call),
    /// A list or tuple.
    List(Vec<Value>),
    /// Anything else (numbers, operators, dicts, lambdas…).
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The dotted callee, `op.add_column`.
    pub func: String,
    pub args: Vec<Value>,
    pub kwargs: Vec<(String, Value)>,
}

impl Call {
    /// The last part of the callee: `migrations.AddField` → `AddField`.
    pub fn name(&self) -> &str {
        self.func.rsplit('.').next().unwrap_or(&self.func)
    }

    pub fn kw(&self, key: &str) -> Option<&Value> {
        self.kwargs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Positional argument `pos`, or keyword `key`.
    pub fn arg(&self, pos: usize, key: &str) -> Option<&Value> {
        self.args.get(pos).or_else(|| self.kw(key))
    }
}

impl Value {
    /// The string this value names: a literal, or the first string argument of a call
    /// (`op.f("ix_users_email")`).
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Call(c) => c.args.iter().find_map(Value::text),
            _ => None,
        }
    }

    pub fn is_name(&self, name: &str) -> bool {
        matches!(self, Value::Name(n) if n == name)
    }
}

fn is_op(t: Option<&Token>, op: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Op(o), .. }) if o == op)
}

fn ends_value(t: Option<&Token>) -> bool {
    match t {
        None | Some(Token { tok: Tok::Newline, .. }) => true,
        Some(Token { tok: Tok::Op(o), .. }) => [",", ")", "]", "}", ":"].contains(&o.as_str()),
        _ => false,
    }
}

/// Skips one balanced bracket group starting at the opener `t[i]`.
fn skip_group(t: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < t.len() {
        if let Tok::Op(o) = &t[i].tok {
            match o.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    i
}

/// Parses one expression at `t[i]`; returns it and the index after it.
pub fn value(t: &[Token], i: usize) -> (Value, usize) {
    let (v, mut j) = primary(t, i);
    if ends_value(t.get(j)) {
        return (v, j);
    }
    // A complex expression: skip to the end of it.
    while !ends_value(t.get(j)) {
        j = if matches!(&t[j].tok, Tok::Op(o) if ["(", "[", "{"].contains(&o.as_str())) {
            skip_group(t, j)
        } else {
            j + 1
        };
    }
    (Value::Other, j)
}

/// The call expression at `t[i]` (`op.drop_column(...)`), without what follows it.
pub fn call_at(t: &[Token], i: usize) -> Option<(Call, usize)> {
    match primary(t, i) {
        (Value::Call(c), next) => Some((c, next)),
        _ => None,
    }
}

fn primary(t: &[Token], i: usize) -> (Value, usize) {
    let Some(tok) = t.get(i) else { return (Value::Other, i) };
    match &tok.tok {
        Tok::Str(s) => {
            let (mut s, mut j) = (s.clone(), i + 1);
            while let Some(Token { tok: Tok::Str(more), .. }) = t.get(j) {
                s.push_str(more);
                j += 1;
            }
            (Value::Str(s), j)
        }
        Tok::Name(n) => {
            let (mut name, mut j) = (n.clone(), i + 1);
            while is_op(t.get(j), ".") && matches!(t.get(j + 1), Some(Token { tok: Tok::Name(_), .. })) {
                if let Some(Token { tok: Tok::Name(next), .. }) = t.get(j + 1) {
                    name = format!("{name}.{next}");
                }
                j += 2;
            }
            if !is_op(t.get(j), "(") {
                return (Value::Name(name), j);
            }
            let (call, mut j) = call_args(t, j, &name);
            // Chained access and calls (`sa.text("x").bindparams(y=1)`) keep the first call.
            loop {
                if is_op(t.get(j), ".") && matches!(t.get(j + 1), Some(Token { tok: Tok::Name(_), .. })) {
                    j += 2;
                } else if is_op(t.get(j), "(") {
                    j = skip_group(t, j);
                } else {
                    break;
                }
            }
            (Value::Call(call), j)
        }
        Tok::Op(o) if o == "[" || o == "(" => {
            let close = if o == "[" { "]" } else { ")" };
            let (mut items, mut j) = (Vec::new(), i + 1);
            while j < t.len() && !is_op(t.get(j), close) {
                if matches!(t[j].tok, Tok::Newline) {
                    break;
                }
                let (v, next) = value(t, j);
                items.push(v);
                j = if is_op(t.get(next), ",") || next == j { next + 1 } else { next };
            }
            (Value::List(items), j + 1)
        }
        Tok::Op(o) if o == "{" => (Value::Other, skip_group(t, i)),
        _ => (Value::Other, i + 1),
    }
}

/// The arguments of a call whose `(` is `t[open]`.
fn call_args(t: &[Token], open: usize, func: &str) -> (Call, usize) {
    let mut call = Call { func: func.to_string(), args: Vec::new(), kwargs: Vec::new() };
    let mut j = open + 1;
    while j < t.len() && !is_op(t.get(j), ")") {
        let kw = match (&t[j].tok, t.get(j + 1)) {
            (Tok::Name(k), Some(Token { tok: Tok::Op(eq), .. })) if eq == "=" => Some(k.clone()),
            _ => None,
        };
        let start = if kw.is_some() { j + 2 } else { j };
        let starred = is_op(t.get(start), "*") || is_op(t.get(start), "**");
        let (v, next) = value(t, if starred { start + 1 } else { start });
        match kw {
            Some(k) => call.kwargs.push((k, v)),
            None => call.args.push(if starred { Value::Other } else { v }),
        }
        j = if is_op(t.get(next), ",") || next == j { next + 1 } else { next };
    }
    (call, j + 1)
}

/// The logical lines of `t` (without their `Newline`), each with its indentation.
pub fn logical_lines(t: &[Token]) -> Vec<(usize, &[Token])> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, tok) in t.iter().enumerate() {
        if tok.tok == Tok::Newline {
            if i > start {
                out.push((t[start].indent.unwrap_or(0), &t[start..i]));
            }
            start = i + 1;
        }
    }
    if start < t.len() {
        out.push((t[start].indent.unwrap_or(0), &t[start..]));
    }
    out
}

#[cfg(test)]
#[path = "python_tests.rs"]
mod tests;
