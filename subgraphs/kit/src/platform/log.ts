// Structured logs through pino: one JSON object a line on stderr (`time`, `level`, the logger's fields, `message`, the
// call's fields), filtered by level, with tokens and secrets redacted before anything is written.
import pino, { type DestinationStream } from 'pino';
import type { LogLevel } from './config';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** What stands in for a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Fields that hold a credential whatever they are logged under, at the top or one level down (`headers.authorization`,
 * `connectionParams.authorization`): their values are replaced, not scrubbed.
 */
const SECRET_KEYS = ['authorization', 'cookie', 'token', 'accessToken', 'password', 'secret', 'jwtSecret', 'subgraphSecret', 'signature'];

/**
 * Credentials inside free text (a message, an error's stack, a URL): bearer tokens, anything shaped like a JWT, and the
 * password of a connection URL. A request's token can reach a message through a library's error, which no key names.
 */
const SECRET_TEXT: [RegExp, string][] = [
  [/\bBearer\s+[\w.~+/=-]+/gi, `Bearer ${REDACTED}`],
  [/\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, REDACTED],
  [/(\w+:\/\/[^:/?#\s@]+:)[^@/?#\s]+@/g, `$1${REDACTED}@`],
];

/** `text` with every credential SECRET_TEXT recognises replaced. */
export function redactText(text: string): string {
  let redacted = text;
  for (const [pattern, replacement] of SECRET_TEXT) redacted = redacted.replace(pattern, replacement);
  return redacted;
}

/** The process's stderr, written synchronously: a line logged before an answer is sent is in the log when it arrives. */
let stderr: DestinationStream | undefined;

/** A logger at `level` with `base` in every line; `destination` replaces stderr (tests read what was written). */
export function createLogger(level: LogLevel, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const root = pino(
    {
      level,
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: SECRET_KEYS.flatMap((key) => [key, `*.${key}`]), censor: REDACTED },
    },
    destination ?? (stderr ??= pino.destination({ fd: 2, sync: true })),
  );
  return wrap(Object.keys(base).length > 0 ? root.child(scrubbed(base)) : root);
}

/** phasegraph's call shape (message first, then fields) over pino's (fields first). */
function wrap(logger: pino.Logger): Logger {
  const write = (at: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(at)) return;
    logger[at](fields ? scrubbed(fields) : {}, redactText(message));
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => wrap(logger.child(scrubbed(fields))),
  };
}

/** `fields` with credentials in their text values redacted (top level: where messages, stacks and URLs are logged). */
function scrubbed(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    const redacted = redactText(value);
    if (redacted !== value) (copy ??= { ...fields })[key] = redacted;
  }
  return copy ?? fields;
}
