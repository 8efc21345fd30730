// What a log line holds: the house's JSON shape, and no token or secret, wherever it was put.
import { Writable } from 'node:stream';
import { REDACTED, createLogger } from '../platform/log';

/** A logger at `level` writing to memory; `lines()` parses what it wrote. */
function recorded(level: 'debug' | 'info' | 'warn' = 'info') {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger(level, { service: 'phasegraph' }, destination as unknown as Parameters<typeof createLogger>[2]);
  return {
    logger,
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl';

describe('createLogger', () => {
  it('writes one JSON line per call: time, level name, the logger’s fields, the message and the call’s fields', () => {
    const { logger, lines } = recorded();
    logger.child({ component: 'gateway' }).info('request', { requestId: 'r-1', durationMs: 3.5 });
    expect(lines()).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: 'info',
        service: 'phasegraph',
        component: 'gateway',
        requestId: 'r-1',
        durationMs: 3.5,
        message: 'request',
      },
    ]);
  });

  it('leaves out lines below its level', () => {
    const { logger, lines } = recorded('warn');
    logger.info('not written');
    logger.debug('not written either');
    logger.error('written');
    expect(lines().map((line) => line.message)).toEqual(['written']);
  });

  it('redacts credentials held under their usual names, at the top and one level down', () => {
    const { logger, lines } = recorded();
    logger.warn('refused', {
      authorization: `Bearer ${JWT}`,
      headers: { authorization: 'Basic dXNlcjpwYXNz', accept: 'application/json' },
      connectionParams: { authorization: 'x' },
      token: 't',
      password: 'p',
      jwtSecret: 's',
      subgraphSecret: 's',
    });
    expect(lines()[0]).toMatchObject({
      authorization: REDACTED,
      headers: { authorization: REDACTED, accept: 'application/json' },
      connectionParams: { authorization: REDACTED },
      token: REDACTED,
      password: REDACTED,
      jwtSecret: REDACTED,
      subgraphSecret: REDACTED,
    });
  });

  it('redacts tokens and URL passwords inside messages and text fields', () => {
    const { logger, lines } = recorded();
    logger.error(`verification failed for Bearer ${JWT}`, {
      stack: `Error: bad token ${JWT}\n    at verify`,
      url: 'postgresql://phasegraph:s3cret@db:5432/phasegraph',
    });
    const [line] = lines();
    expect(JSON.stringify(line)).not.toMatch(/eyJ|s3cret/);
    expect(line).toMatchObject({
      message: `verification failed for Bearer ${REDACTED}`,
      stack: `Error: bad token ${REDACTED}\n    at verify`,
      url: `postgresql://phasegraph:${REDACTED}@db:5432/phasegraph`,
    });
  });
});
