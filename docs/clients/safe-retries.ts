// Safe retries for Apollo Client 4: each intended write gets an idempotency key, and every retry of it sends the same
// key, so the write is stored once however often it is retried (API.md, "Safe retries"). Copy this file into your
// app; phasegraph's tests run it against the gateway.
//
//   const client = new ApolloClient({ link: ApolloLink.from([safeRetryLink(), new HttpLink({ uri })]), cache });
//
// A mutation takes part by declaring the variable and passing it on; the link fills it in when the caller did not:
//
//   mutation CreateVersion($input: CreateVersionInput!, $idempotencyKey: String) {
//     createVersion(input: $input, idempotencyKey: $idempotencyKey) { id }
//   }
//
// What is retried: queries, and mutations that carry a key, after a network error, a 502/503/504, or an answer whose
// every error says `retryable: true` (SERVICE_UNAVAILABLE: a restart, a fault of the database). A mutation without a
// key is never retried: its first attempt may have been stored.
import { ApolloLink, CombinedGraphQLErrors, ServerError, type ErrorLike } from '@apollo/client';
import { RetryLink } from '@apollo/client/link/retry';
import { getMainDefinition } from '@apollo/client/utilities';
import { map } from 'rxjs';

/** The variable through which a mutation takes its key. */
export const IDEMPOTENCY_KEY_VARIABLE = 'idempotencyKey';

export interface SafeRetryOptions {
  /** How many attempts an operation gets in all (the first and its retries); 5 by default. */
  attempts?: number;
  /** The mean delay before the first retry, doubling with each (jittered); 300 ms by default. */
  initialDelayMs?: number;
  /** The longest delay between two attempts; 5 s by default. */
  maxDelayMs?: number;
  /** A new key for an intended write; a random UUID by default. */
  newKey?: () => string;
}

/** Keys for intended writes, then retries of what is safe to retry, with the same key each time. */
export function safeRetryLink(options: SafeRetryOptions = {}): ApolloLink {
  return ApolloLink.from([
    idempotencyKeyLink(options.newKey),
    new RetryLink({
      attempts: { max: options.attempts ?? 5, retryIf: (error, operation) => safeToRepeat(operation) && isRetryable(error) },
      delay: { initial: options.initialDelayMs ?? 300, max: options.maxDelayMs ?? 5_000, jitter: true },
    }),
    retryableAnswersAsErrors(),
  ]);
}

/**
 * Gives a mutation that declares `$idempotencyKey` a new key when its caller sent none. It sits before the retries, so
 * every attempt of one call carries the key it was given once.
 */
export function idempotencyKeyLink(newKey: () => string = () => crypto.randomUUID()): ApolloLink {
  return new ApolloLink((operation, forward) => {
    if (declaresKey(operation) && operation.variables[IDEMPOTENCY_KEY_VARIABLE] == null) {
      operation.variables = { ...operation.variables, [IDEMPOTENCY_KEY_VARIABLE]: newKey() };
    }
    return forward(operation);
  });
}

/** Whether an attempt of `operation` may be repeated: a read, or a write under a key. */
function safeToRepeat(operation: ApolloLink.Operation): boolean {
  const { operation: type } = getMainDefinition(operation.query) as { operation?: string };
  if (type === 'query') return true;
  return type === 'mutation' && operation.variables[IDEMPOTENCY_KEY_VARIABLE] != null;
}

function declaresKey(operation: ApolloLink.Operation): boolean {
  const definition = getMainDefinition(operation.query);
  return (
    'operation' in definition &&
    definition.operation === 'mutation' &&
    (definition.variableDefinitions ?? []).some((variable) => variable.variable.name.value === IDEMPOTENCY_KEY_VARIABLE)
  );
}

/** A network error, a gateway or server that is unavailable, or errors that all say `retryable: true`. */
function isRetryable(error: ErrorLike): boolean {
  if (CombinedGraphQLErrors.is(error)) return error.errors.length > 0 && error.errors.every((inner) => inner.extensions?.retryable === true);
  if (ServerError.is(error)) return [502, 503, 504].includes(error.statusCode);
  return error instanceof TypeError; // fetch's network errors: refused, reset, lost
}

/** Turns an answer whose every error is retryable into an error, which RetryLink (before it) sees and retries. */
function retryableAnswersAsErrors(): ApolloLink {
  return new ApolloLink((operation, forward) =>
    forward(operation).pipe(
      map((result) => {
        if ('errors' in result && result.errors?.length && result.errors.every((error) => error.extensions?.retryable === true)) {
          throw new CombinedGraphQLErrors(result);
        }
        return result;
      }),
    ),
  );
}
