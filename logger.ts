/** The process logger (pino). Pretty output is left to `| pino-pretty` so production logs stay JSON. */
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { app: 'salesops' } });
}
