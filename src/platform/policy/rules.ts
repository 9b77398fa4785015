/**
 * oslo.policy's rule language, parsed into a small tree. Supported: `@` (always), `!` (never), the
 * empty rule (always), `rule:NAME`, `role:NAME`, generic checks `KIND:MATCH` where MATCH may
 * interpolate the target (`%(target.project.id)s`) and KIND may be a quoted literal, and the operators
 * `and`, `or`, `not` with parentheses. Precedence as in oslo.policy: not > and > or.
 */

export type Rule =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; match: string }
  | { kind: 'generic'; key: string; match: string }
  | { kind: 'not'; rule: Rule }
  | { kind: 'and'; rules: Rule[] }
  | { kind: 'or'; rules: Rule[] };

type Token = '(' | ')' | 'and' | 'or' | 'not' | { check: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (let word of text.split(/\s+/).filter(Boolean)) {
    const lead: Token[] = [];
    const trail: Token[] = [];
    while (word.startsWith('(')) { lead.push('('); word = word.slice(1); }
    while (word.endsWith(')')) { trail.push(')'); word = word.slice(0, -1); }
    tokens.push(...lead);
    if (word !== '') {
      const lower = word.toLowerCase();
      if (lower === 'and' || lower === 'or' || lower === 'not') tokens.push(lower);
      else tokens.push({ check: word });
    }
    tokens.push(...trail);
  }
  return tokens;
}

function parseCheck(text: string): Rule {
  if (text === '@') return { kind: 'true' };
  if (text === '!') return { kind: 'false' };
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'false' };
  const key = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (key === 'rule') return { kind: 'rule', name: match };
  if (key === 'role') return { kind: 'role', match };
  return { kind: 'generic', key, match };
}

/** Parses a rule string. Unparseable input yields a rule that always denies, as oslo.policy does. */
export function parseRule(text: string): Rule {
  if (text.trim() === '') return { kind: 'true' };
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const parseOr = (): Rule => {
    const rules = [parseAnd()];
    while (peek() === 'or') { pos++; rules.push(parseAnd()); }
    return rules.length === 1 ? rules[0]! : { kind: 'or', rules };
  };
  const parseAnd = (): Rule => {
    const rules = [parseNot()];
    while (peek() === 'and') { pos++; rules.push(parseNot()); }
    return rules.length === 1 ? rules[0]! : { kind: 'and', rules };
  };
  const parseNot = (): Rule => {
    if (peek() === 'not') { pos++; return { kind: 'not', rule: parseNot() }; }
    return parseAtom();
  };
  const parseAtom = (): Rule => {
    const t = tokens[pos++];
    if (t === '(') {
      const inner = parseOr();
      if (tokens[pos++] !== ')') throw new Error('unbalanced parentheses');
      return inner;
    }
    if (t !== undefined && typeof t === 'object') return parseCheck(t.check);
    throw new Error(`unexpected token ${JSON.stringify(t)}`);
  };
  try {
    const rule = parseOr();
    if (pos !== tokens.length) throw new Error('trailing tokens');
    return rule;
  } catch {
    return { kind: 'false' };
  }
}
