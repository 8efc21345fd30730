// phasegraph's error vocabulary: the stable `extensions.code` values clients branch on, and small constructors.
// Resolvers throw these; anything else reaching a server is masked as INTERNAL_SERVER_ERROR and logged.
import { GraphQLError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  // An operation outside the gateway's persisted query list (trusted documents), in Apollo Router's words: an id the
  // list lacks, a text no entry matches, or both an id and a text.
  PERSISTED_QUERY_NOT_IN_LIST = 'PERSISTED_QUERY_NOT_IN_LIST',
  QUERY_NOT_IN_SAFELIST = 'QUERY_NOT_IN_SAFELIST',
  CANNOT_SEND_PQ_ID_AND_BODY = 'CANNOT_SEND_PQ_ID_AND_BODY',
}

/** The codes phasegraph itself raises on purpose; their messages are safe to show to clients. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  // Raised by graphql-js and Apollo Server themselves for malformed operations.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

function error(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, httpStatus?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
}

export function badUserInput(message: string, extensions?: Record<string, unknown>): GraphQLError {
  return error(ErrorCode.BAD_USER_INPUT, message, extensions);
}

export function unauthenticated(message = 'Sign in: send `Authorization: Bearer <token>`.', httpStatus?: number): GraphQLError {
  return error(ErrorCode.UNAUTHENTICATED, message, {}, httpStatus);
}

export function forbidden(reason: string): GraphQLError {
  return error(ErrorCode.FORBIDDEN, reason);
}

export function notFound(message: string, extensions?: Record<string, unknown>): GraphQLError {
  return error(ErrorCode.NOT_FOUND, message, extensions);
}

export function conflict(message: string, extensions?: Record<string, unknown>): GraphQLError {
  return error(ErrorCode.CONFLICT, message, extensions);
}

/** The codes of an operation refused for not being in the persisted query list. */
export type UntrustedOperationCode = ErrorCode.PERSISTED_QUERY_NOT_IN_LIST | ErrorCode.QUERY_NOT_IN_SAFELIST | ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY;

/** Apollo Router's HTTP status for each: an unknown id is not found, an unlisted text forbidden, both at once malformed. */
const UNTRUSTED_OPERATION_STATUS: Record<UntrustedOperationCode, number> = {
  [ErrorCode.PERSISTED_QUERY_NOT_IN_LIST]: 404,
  [ErrorCode.QUERY_NOT_IN_SAFELIST]: 403,
  [ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY]: 400,
};

/**
 * An operation the gateway does not run: its persisted query list (trusted documents) lacks it. Over HTTP it carries
 * Router's status and is never cached, so that a client deployed before the list that holds its operations is served
 * as soon as that list is; over a WebSocket (`http: false`) it is the error alone.
 */
export function untrustedOperation(code: UntrustedOperationCode, message: string, { http = true } = {}): GraphQLError {
  const head = { status: UNTRUSTED_OPERATION_STATUS[code], headers: new Map([['cache-control', 'private, no-cache, must-revalidate']]) };
  return new GraphQLError(message, { extensions: { code, ...(http ? { http: head } : {}) } });
}

/** A fault of the platform (a subgraph or the database out of reach): the client may retry. */
export function serviceUnavailable(message: string): GraphQLError {
  return error(ErrorCode.SERVICE_UNAVAILABLE, message, { retryable: true });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns `value` lower-cased if it is a UUID; otherwise fails with BAD_USER_INPUT naming the argument. */
export function requireUuid(value: string, argument: string): string {
  if (!UUID.test(value)) throw badUserInput(`${argument} must be a UUID; got ${JSON.stringify(value.slice(0, 64))}.`, { argument });
  return value.toLowerCase();
}
