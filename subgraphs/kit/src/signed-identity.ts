// The caller's identity as it travels from the gateway (or one subgraph) to a subgraph: claims the gateway verified
// from the JWT, signed with a secret the services share together with a hash of the request body and the time, so a
// subgraph reached directly can neither be lied to nor be handed a captured signature with another operation.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { UserRole } from './phases';

/** A user as the identity provider describes them. */
export interface Identity {
  id: string;
  name: string;
  email: string;
  roles: UserRole[];
}

export const IDENTITY_HEADER = 'x-phasegraph-identity';
export const SIGNED_AT_HEADER = 'x-phasegraph-signed-at';
export const SIGNATURE_HEADER = 'x-phasegraph-signature';
/**
 * How far a signature's time may be from the receiver's clock. Short, because the same request (same body) can be
 * replayed while its signature is valid; long enough for a busy gateway and clocks a few seconds apart.
 */
export const SIGNATURE_VALIDITY_MS = 60_000;

/** The identity header's value for `identity` (null: an anonymous caller). */
export function encodeIdentity(identity: Identity | null): string {
  return Buffer.from(JSON.stringify(identity)).toString('base64url');
}

/** The time and signature headers for a request carrying `encodedIdentity` and exactly `body`, signed at `now`. */
export function signatureHeaders(encodedIdentity: string, body: string | Uint8Array, secret: string, now = Date.now()): Record<string, string> {
  const signedAt = String(now);
  return { [SIGNED_AT_HEADER]: signedAt, [SIGNATURE_HEADER]: signature(encodedIdentity, signedAt, body, secret) };
}

/** Headers carrying `identity` (null for an anonymous caller) for a request whose body is exactly `body`, signed at `now`. */
export function signIdentity(identity: Identity | null, body: string, secret: string, now = Date.now()): Record<string, string> {
  const encoded = encodeIdentity(identity);
  return { [IDENTITY_HEADER]: encoded, ...signatureHeaders(encoded, body, secret, now) };
}

/** What signing needs of a request to a subgraph: its headers, as a record, and its body exactly as sent. */
export interface SignableRequest {
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * `send`, signing every request: the identity its IDENTITY_HEADER names (anonymous when absent), with the time and
 * the exact body it carries. The one place requests to subgraphs are signed: the gateway's query-plan fetches and
 * every service's own calls to a subgraph go through it.
 */
export function signingFetch<Init extends SignableRequest, Response>(
  secret: string,
  send: (url: string, init: Init) => Promise<Response>,
): (url: string, init: Init) => Promise<Response> {
  return (url, init) => {
    const identity = init.headers?.[IDENTITY_HEADER] ?? encodeIdentity(null);
    return send(url, { ...init, headers: { ...init.headers, [IDENTITY_HEADER]: identity, ...signatureHeaders(identity, init.body ?? '', secret) } });
  };
}

/** Why a request's identity headers were refused. */
export class IdentitySignatureError extends Error {}

/**
 * The identity a request's headers carry, or null for a signed anonymous call. Throws IdentitySignatureError when
 * the headers are missing, stale, not signed with `secret`, or signed for another body than `body`.
 */
export function verifyIdentity(headers: { get(name: string): string | undefined | null }, body: string, secret: string, now = Date.now()): Identity | null {
  const payload = headers.get(IDENTITY_HEADER);
  const signedAt = headers.get(SIGNED_AT_HEADER);
  const given = headers.get(SIGNATURE_HEADER);
  if (!payload || !signedAt || !given) throw new IdentitySignatureError("Subgraph requests must carry the gateway's signed identity.");
  const expected = Buffer.from(signature(payload, signedAt, body, secret));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new IdentitySignatureError('The identity signature is not valid for this request.');
  }
  if (!(Math.abs(now - Number(signedAt)) <= SIGNATURE_VALIDITY_MS)) throw new IdentitySignatureError('The identity signature has expired.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Identity | null;
}

/** HMAC-SHA256 over the time, the identity and the SHA-256 of the body, each part delimited so none can bleed into another. */
function signature(payload: string, signedAt: string, body: string | Uint8Array, secret: string): string {
  const bodyHash = createHash('sha256').update(body).digest('base64url');
  return createHmac('sha256', secret).update(`${signedAt}.${payload}.${bodyHash}`).digest('base64url');
}
