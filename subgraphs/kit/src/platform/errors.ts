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
