/**
 * The tokenizer of the CQL parser (cql.ts): words (keywords, property names), '…' strings and "…" names with
 * the quote doubled inside, numbers, bare ISO dates, comparison operators and punctuation, each with its offset
 * for the error messages.
 */
import { HubError } from '../../errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'date' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written (for a string or a quoted name: its value, quotes removed). */
  text: string;
  /** 0-based offset in the CQL text. */
  pos: number;
}

export function syntaxError(pos: number, message: string): HubError {
  return new HubError('invalid_parameter', `CQL syntax error at character ${pos + 1}: ${message}`, { locator: 'Constraint' });
}

const LEXEMES: readonly [TokenKind, RegExp][] = [
  ['date', /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w:])/y],
  ['number', /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![\p{L}_])/uy],
  ['word', /[\p{L}_][\p{L}\p{N}_:.]*/uy],
  ['op', /<=|>=|<>|!=|=|<|>/y],
  ['punct', /[(),+-]/y],
];

/** A '…' string or a "…" name starting at `start`, the quote doubled inside; returns its value and end. */
function quoted(text: string, start: number): { value: string; end: number } {
  const q = text[start];
  let value = '';
  let i = start + 1;
  for (;;) {
    const next = text.indexOf(q, i);
    if (next < 0) throw syntaxError(start, `unterminated ${q === "'" ? 'string' : 'quoted name'} (missing closing ${q}).`);
    value += text.slice(i, next);
    if (text[next + 1] !== q) return { value, end: next + 1 };
    value += q;
    i = next + 2;
  }
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    // \s covers the no-break space GeoNetwork's harvester-csw-cql.xsl puts after And / Or.
    if (/\s/.test(text[i])) { i++; continue; }
    if (text[i] === "'" || text[i] === '"') {
      const { value, end } = quoted(text, i);
      tokens.push({ kind: text[i] === "'" ? 'string' : 'quoted', text: value, pos: i });
      i = end;
      continue;
    }
    const lexeme = LEXEMES.map(([kind, re]) => {
      re.lastIndex = i;
      const m = re.exec(text);
      return m ? { kind, text: m[0] } : undefined;
    }).find((m) => m !== undefined);
    if (!lexeme) throw syntaxError(i, `unexpected character '${text[i]}'.`);
    tokens.push({ ...lexeme, pos: i });
    i += lexeme.text.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

export function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the text';
  if (t.kind === 'string') return `the string '${t.text}'`;
  if (t.kind === 'quoted') return `the name "${t.text}"`;
  return `'${t.text}'`;
}
