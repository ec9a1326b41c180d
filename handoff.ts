/**
 * A CLI command run beside `salesops start`: PGlite and DuckDB allow one process per data folder,
 * so the running server owns both, and the command hands its work to that server over HTTP
 * instead of failing on the lock. The server is found from the folder's lock file (its URL), and
 * the command authenticates with `--key` or SALESOPS_API_KEY.
 */
import type { Config } from './config.ts';
import { readFolderLock, type LockInfo } from './db/folder-lock.ts';
import { CliError } from './runtime.ts';

/** A refusal from the running server: one line for the user, with the problem's field errors. */
export class ServerAnswerError extends CliError {
  override name = 'ServerAnswerError';
  constructor(
    message: string,
    readonly status: number,
    readonly fields: readonly { field: string; message: string }[],
  ) {
    super(message);
  }
}

/** The running server a command talks to, and one call against its /api/v1. */
export interface RunningServer {
  url: string;
  owner: LockInfo;
  /** JSON in and out; a non-2xx answer becomes a ServerAnswerError with the server's detail. */
  call(method: string, urlPath: string, body?: unknown): Promise<any>;
  /**
   * One call with the answer as it came (any status, any format): for a command that asks for
   * a format other than JSON (`Accept`) or words a refusal its own way.
   */
  send(method: string, urlPath: string, body: unknown, accept: string): Promise<ServerReply>;
}

/** A server's answer, untouched. */
export interface ServerReply {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * The server that holds the data folder, or undefined when this process may open it itself
 * (nobody holds it, or the operational database is a real PostgreSQL that any process may use).
 * `what` says what the key must allow ("an admin API key").
 */
export function runningServer(
  config: Config,
  opts: { key?: string; command: string; what: string; warehouse?: boolean },
): RunningServer | undefined {
  // With DATABASE_URL only the warehouse lives in the folder.
  if (config.databaseUrl && !opts.warehouse) return undefined;
  const owner = readFolderLock(config.dataDir);
  if (!owner || owner.pid === process.pid) return undefined;
  const held =
    `the data folder ${config.dataDir} is held by "salesops ${owner.command}" (pid ${owner.pid})` +
    (owner.url ? ` serving ${owner.url}` : '');
  // A loading or importing process serves no HTTP: the lock is short-lived.
  if (!owner.url) throw new CliError(`${held}; run salesops ${opts.command} when it has finished`);
  const key = opts.key ?? config.apiKey;
  if (!key) {
    throw new CliError(
      `${held}; hand the command to it with ${opts.what}: salesops ${opts.command} --key <key> ` +
        '(or set SALESOPS_API_KEY)',
    );
  }
  const url = owner.url;
  const send = async (
    method: string,
    urlPath: string,
    body: unknown,
    accept = 'application/json',
  ): Promise<ServerReply> => {
    let res: Response;
    try {
      res = await fetch(`${url}/api/v1${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new CliError(`could not reach the server at ${url}: ${(e as Error).message}`);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return {
    url,
    owner,
    send,
    async call(method, urlPath, body) {
      const res = await send(method, urlPath, body);
      const text = res.text;
      const json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      if (res.status < 200 || res.status > 299) {
        const fields = (json?.errors as { field: string; message: string }[] | undefined) ?? [];
        const why = fields.length
          ? fields.map((f) => `${f.field}: ${f.message}`).join('; ')
          : String(json?.detail ?? `HTTP ${res.status}`);
        throw new ServerAnswerError(
          `the server at ${url} answered ${res.status}: ${why}`,
          res.status,
          fields,
        );
      }
      return json;
    },
  };
}
