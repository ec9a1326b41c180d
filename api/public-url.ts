/**
 * The base of the absolute links salesops hands out where no request tells its own origin: a
 * set-password link a CLI command prints, a scheduled report's image and dashboard links in its
 * report.ready event. SALESOPS_PUBLIC_URL when set; else the URL the running server advertised in
 * the data folder's lock (where the person will open it); else the configured host and port.
 */
import type { Config } from '../config.ts';
import { readFolderLock } from '../db/folder-lock.ts';

/** `https://sales.example.com` — no trailing slash. */
export function publicBase(config: Config): string {
  if (config.publicUrl) return config.publicUrl;
  // On PostgreSQL the CLI works on the database beside a running server: the link points at the
  // server the folder's lock advertises, which is where the person will open it.
  const served = readFolderLock(config.dataDir)?.url;
  if (served) return served;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return `http://${host}:${config.port}`;
}
