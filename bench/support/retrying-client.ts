// A client that writes as careful applications do (Apollo Client's RetryLink, a job runner, a user clicking again):
// each intended write carries one idempotency key, and is sent again with that same key after a lost connection, a
// timeout, an HTTP 5xx or an error the server calls retryable, with jittered backoff, until it is acknowledged or
// the write's time budget runs out.

/** How patient the client is. */
export interface RetryPolicy {
  /** How long one request may take before the client abandons it (and counts it as hung). */
  requestDeadlineMs: number;
  /** How long one intended write may take, retries included, before the client gives up on it. */
  writeBudgetMs: number;
  /** The first pause's upper bound; it doubles with each retry up to maxBackoffMs, the pause drawn below it (full jitter). */
  firstBackoffMs: number;
  maxBackoffMs: number;
}

/** An error as the server answered it. */
export interface AnsweredError {
  message: string;
  extensions?: { code?: string; retryable?: boolean; [name: string]: unknown };
}

/** What one request met: an answer (data, errors or both), no answer (the connection failed), or its deadline. */
export type Attempt =
  | { kind: 'answered'; status: number; data: Record<string, any> | null; errors: AnsweredError[] }
  | { kind: 'no answer'; reason: string }
  | { kind: 'timed out' };

/** A request sent and not yet settled, for a caller that watches what was in flight at some moment. */
export interface AttemptInFlight {
  settled: Promise<Attempt>;
}

/** How an intended write ended. */
export interface WriteOutcome {
  /** The data of the answer that acknowledged it; null when none did. */
  acknowledged: Record<string, any> | null;
  /** Every request sent for it, in order. */
  attempts: Attempt[];
  /** From the first request to the acknowledgement (or to giving up), pauses included. */
  elapsedMs: number;
  /** Why it was not acknowledged: refused (an error not worth retrying), or out of budget. */
  failure?: 'REFUSED' | 'OUT_OF_BUDGET';
}

export class RetryingClient {
  /** The requests sent and not yet settled (answered, failed, or past their deadline). */
  readonly inFlight = new Set<AttemptInFlight>();

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly policy: RetryPolicy,
    /** Told of every attempt as it settles. */
    private readonly onAttempt: (attempt: Attempt) => void = () => undefined,
  ) {}

  /** Sends `body` (whose variables hold the write's key) until it is acknowledged, refused, or out of budget. */
  async write(body: { query: string; variables: Record<string, unknown> }): Promise<WriteOutcome> {
    const text = JSON.stringify(body);
    const started = performance.now();
    const attempts: Attempt[] = [];
    for (;;) {
      const attempt = await this.send(text);
      attempts.push(attempt);
      this.onAttempt(attempt);
      const elapsedMs = performance.now() - started;
      if (attempt.kind === 'answered' && attempt.errors.length === 0 && attempt.data) return { acknowledged: attempt.data, attempts, elapsedMs };
      if (!isWorthRetrying(attempt)) return { acknowledged: null, attempts, elapsedMs, failure: 'REFUSED' };
      const pause = Math.random() * Math.min(this.policy.maxBackoffMs, this.policy.firstBackoffMs * 2 ** (attempts.length - 1));
      if (elapsedMs + pause > this.policy.writeBudgetMs) return { acknowledged: null, attempts, elapsedMs, failure: 'OUT_OF_BUDGET' };
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private send(body: string): Promise<Attempt> {
    const settled = sendOnce(this.url, this.headers, body, this.policy.requestDeadlineMs);
    const inFlight = { settled };
    this.inFlight.add(inFlight);
    return settled.finally(() => this.inFlight.delete(inFlight));
  }
}

/** A lost connection, a timeout, an HTTP 5xx, or an error the server says may be retried. */
export function isWorthRetrying(attempt: Attempt): boolean {
  if (attempt.kind !== 'answered') return true;
  return attempt.status >= 500 || attempt.errors.some((error) => error.extensions?.retryable === true);
}

/** What an attempt met, in a word: the error codes answered, the HTTP status without one, or how the request failed. */
export function describeAttempt(attempt: Attempt): string[] {
  if (attempt.kind === 'timed out') return ['TIMED_OUT'];
  if (attempt.kind === 'no answer') return [attempt.reason];
  if (attempt.errors.length === 0) return attempt.status >= 400 ? [`HTTP ${attempt.status}`] : [];
  return attempt.errors.map((error) => error.extensions?.code ?? `HTTP ${attempt.status} without a code`);
}

async function sendOnce(url: string, headers: Record<string, string>, body: string, deadlineMs: number): Promise<Attempt> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(deadlineMs),
    });
    status = response.status;
    // An answer cut off half-way is no answer: the connection failed before the client could read it.
    text = await response.text();
  } catch (error) {
    if (isTimeout(error)) return { kind: 'timed out' };
    return { kind: 'no answer', reason: connectionFailure(error) };
  }
  try {
    const answer = JSON.parse(text) as { data?: Record<string, any> | null; errors?: AnsweredError[] };
    return { kind: 'answered', status, data: answer.data ?? null, errors: answer.errors ?? [] };
  } catch {
    return { kind: 'answered', status, data: null, errors: [{ message: text.slice(0, 200), extensions: { code: `HTTP ${status}, not JSON` } }] };
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Why a request got no answer: the socket's error code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…), else the message. */
function connectionFailure(error: unknown): string {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return error instanceof Error ? error.message : String(error);
}
