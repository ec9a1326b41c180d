/**
 * Recognising the session commands PostgreSQL clients send on their own — `SET application_name`
 * (pgjdbc, so DBeaver), `BEGIN` before a query (psycopg and JDBC outside autocommit), `SHOW
 * search_path` (DBeaver), `SET SESSION CHARACTERISTICS AS TRANSACTION …` (JDBC's isolation and
 * read-only calls). They set nothing in DuckDB (the warehouse is locked and every statement reads
 * on a connection of its own), so they are answered by the wire layer (session-settings.ts) and
 * never reach the guard; anything not recognised here goes on to DuckDB's guard as before, which
 * refuses a SET it does not know (42501).
 *
 * A small tokenizer rather than regular expressions on the text: values come quoted, unquoted,
 * as lists (`search_path = marts, "ml"`), and a simple query may carry several commands
 * (`SET extra_float_digits = 3;SET application_name = 'x'`, as pgjdbc before 42.3 sent them).
 */

/** How a `BEGIN`, `START TRANSACTION` or `SET … TRANSACTION` asks its transaction to be. */
export interface TransactionModes {
  readWrite: boolean;
}

/** One recognised command. Names are lower case. */
export type SessionCommand =
  | { kind: 'set'; name: string; value: string | undefined /* DEFAULT */ }
  | { kind: 'reset'; name: string /* 'all' for RESET ALL */ }
  | { kind: 'show'; name: string }
  | { kind: 'begin'; tag: 'BEGIN' | 'START TRANSACTION'; modes: TransactionModes }
  | { kind: 'end'; tag: 'COMMIT' | 'ROLLBACK' }
  | { kind: 'characteristics'; modes: TransactionModes };

type Token = { type: 'word' | 'string' | 'ident' | 'number' | 'punct'; text: string };

const TOKEN =
  /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|'((?:[^']|'')*)'|"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)|([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[A-Za-z]*)|([,;=.])/y;

/** The tokens of `sql`, or undefined when it holds something no session command has. */
function tokenize(sql: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < sql.length) {
    const m = TOKEN.exec(sql);
    if (!m) return undefined;
    if (m[1] !== undefined) tokens.push({ type: 'string', text: m[1].replace(/''/g, "'") });
    else if (m[2] !== undefined) tokens.push({ type: 'ident', text: m[2].replace(/""/g, '"') });
    else if (m[3] !== undefined) tokens.push({ type: 'word', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ type: 'number', text: m[4] });
    else if (m[5] !== undefined) tokens.push({ type: 'punct', text: m[5] });
  }
  return tokens;
}

/** Reads one statement's tokens front to back. */
class Cursor {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  /** Takes the next token when it is the keyword `word` (any case). */
  keyword(...words: string[]): boolean {
    const start = this.at;
    for (const w of words) {
      const t = this.tokens[this.at];
      if (t?.type !== 'word' || t.text.toUpperCase() !== w) {
        this.at = start;
        return false;
      }
      this.at++;
    }
    return true;
  }

  /** Takes the next token when it is any one of `words`. */
  optional(...words: string[]): void {
    for (const w of words) if (this.keyword(w)) return;
  }

  punct(p: string): boolean {
    if (this.tokens[this.at]?.type === 'punct' && this.tokens[this.at]!.text === p) {
      this.at++;
      return true;
    }
    return false;
  }

  /** A parameter name: a word or a quoted identifier, lower-cased as PostgreSQL folds it. */
  name(): string | undefined {
    const t = this.tokens[this.at];
    if (t?.type === 'word') {
      this.at++;
      return t.text.toLowerCase();
    }
    if (t?.type === 'ident') {
      this.at++;
      return t.text.toLowerCase();
    }
    return undefined;
  }

  /** A value list (`a, 'b', "c"`), joined as PostgreSQL shows a list; undefined if malformed. */
  values(): string | undefined {
    const parts: string[] = [];
    do {
      const t = this.tokens[this.at];
      if (!t || t.type === 'punct') return undefined;
      this.at++;
      parts.push(t.type === 'ident' ? `"${t.text}"` : t.text);
    } while (this.punct(','));
    return parts.join(', ');
  }
}

const ISOLATION = [
  ['SERIALIZABLE'],
  ['REPEATABLE', 'READ'],
  ['READ', 'COMMITTED'],
  ['READ', 'UNCOMMITTED'],
];

/** Transaction modes up to the end; undefined when something else follows. */
function modesOf(c: Cursor): TransactionModes | undefined {
  const modes = { readWrite: false };
  while (!c.done) {
    if (c.keyword('ISOLATION', 'LEVEL')) {
      if (!ISOLATION.some((words) => c.keyword(...words))) return undefined;
    } else if (c.keyword('READ', 'ONLY')) modes.readWrite = false;
    else if (c.keyword('READ', 'WRITE')) modes.readWrite = true;
    else if (!c.keyword('DEFERRABLE') && !c.keyword('NOT', 'DEFERRABLE')) return undefined;
    c.punct(',');
  }
  return modes;
}

function parseSet(c: Cursor): SessionCommand | undefined {
  if (!c.keyword('SESSION', 'CHARACTERISTICS', 'AS')) c.optional('SESSION', 'LOCAL');
  if (c.keyword('TRANSACTION')) {
    const modes = modesOf(c);
    return modes && { kind: 'characteristics', modes };
  }
  if (c.keyword('ROLE') || c.keyword('SESSION', 'AUTHORIZATION')) return undefined;
  let name: string | undefined;
  if (c.keyword('TIME', 'ZONE')) name = 'timezone';
  else {
    name = c.name();
    if (!name || !(c.keyword('TO') || c.punct('='))) return undefined;
  }
  if (c.keyword('DEFAULT')) return c.done ? { kind: 'set', name, value: undefined } : undefined;
  if (name === 'timezone' && c.keyword('LOCAL'))
    return c.done ? { kind: 'set', name, value: undefined } : undefined;
  const value = c.values();
  return value !== undefined && c.done ? { kind: 'set', name, value } : undefined;
}

function parseStatement(tokens: Token[]): SessionCommand | undefined {
  const c = new Cursor(tokens);
  let command: SessionCommand | undefined;
  if (c.keyword('SET')) return parseSet(c);
  if (c.keyword('RESET')) {
    const name = c.keyword('TIME', 'ZONE') ? 'timezone' : c.name();
    command = name ? { kind: 'reset', name } : undefined;
  } else if (c.keyword('SHOW')) {
    const name = c.keyword('TIME', 'ZONE')
      ? 'timezone'
      : c.keyword('TRANSACTION', 'ISOLATION', 'LEVEL')
        ? 'transaction_isolation'
        : c.name();
    command = name ? { kind: 'show', name } : undefined;
  } else if (c.keyword('BEGIN') || c.keyword('START', 'TRANSACTION')) {
    const tag = tokens[0]!.text.toUpperCase() === 'BEGIN' ? 'BEGIN' : 'START TRANSACTION';
    if (tag === 'BEGIN') c.optional('WORK', 'TRANSACTION');
    const modes = modesOf(c);
    return modes && { kind: 'begin', tag, modes };
  } else if (c.keyword('COMMIT') || c.keyword('END')) {
    c.optional('WORK', 'TRANSACTION');
    c.keyword('AND', 'NO', 'CHAIN');
    command = { kind: 'end', tag: 'COMMIT' };
  } else if (c.keyword('ROLLBACK') || c.keyword('ABORT')) {
    c.optional('WORK', 'TRANSACTION');
    c.keyword('AND', 'NO', 'CHAIN');
    command = { kind: 'end', tag: 'ROLLBACK' };
  }
  return command && c.done ? command : undefined;
}

/**
 * The session commands `sql` consists of, in order — several only when `several` (the simple
 * query protocol) — or undefined when any part of it is not one (then DuckDB's guard judges it
 * whole). Empty statements (`;;`) are dropped.
 */
export function sessionCommands(sql: string, several: boolean): SessionCommand[] | undefined {
  if (
    !/^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(set|reset|show|begin|start|commit|end|rollback|abort)\b/i.test(
      sql,
    )
  )
    return undefined;
  const tokens = tokenize(sql);
  if (!tokens) return undefined;
  const statements: Token[][] = [[]];
  for (const t of tokens)
    if (t.type === 'punct' && t.text === ';') statements.push([]);
    else statements.at(-1)!.push(t);
  const nonEmpty = statements.filter((s) => s.length > 0);
  if (nonEmpty.length === 0 || (!several && nonEmpty.length > 1)) return undefined;
  const commands: SessionCommand[] = [];
  for (const s of nonEmpty) {
    const command = parseStatement(s);
    if (!command) return undefined;
    commands.push(command);
  }
  return commands;
}
