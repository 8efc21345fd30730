// The caller's identity as it travels from the gateway to subgraphs: claims the gateway verified from the JWT,
// signed with a secret the gateway and subgraphs share, so a subgraph reached directly cannot be lied to.
import { createHmac, timingSafeEqual } from 'node:crypto';
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
/** How far a signature's time may be from the receiver's clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;

/** Headers carrying `identity` (null for an anonymous caller), signed at `now`. */
export function signIdentity(identity: Identity | null, secret: string, now = Date.now()): Record<string, string> {
  const payload = Buffer.from(JSON.stringify(identity)).toString('base64url');
  const signedAt = String(now);
  return { [IDENTITY_HEADER]: payload, [SIGNED_AT_HEADER]: signedAt, [SIGNATURE_HEADER]: signature(payload, signedAt, secret) };
}

/** Why a request's identity headers were refused. */
export class IdentitySignatureError extends Error {}

/**
 * The identity a request's headers carry, or null for a signed anonymous call. Throws IdentitySignatureError when
 * the headers are missing, stale or not signed with `secret`.
 */
export function verifyIdentity(headers: { get(name: string): string | undefined | null }, secret: string, now = Date.now()): Identity | null {
  const payload = headers.get(IDENTITY_HEADER);
  const signedAt = headers.get(SIGNED_AT_HEADER);
  const given = headers.get(SIGNATURE_HEADER);
  if (!payload || !signedAt || !given) throw new IdentitySignatureError("Subgraph requests must carry the gateway's signed identity.");
  const expected = Buffer.from(signature(payload, signedAt, secret));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new IdentitySignatureError('The identity signature is not valid.');
  if (!(Math.abs(now - Number(signedAt)) <= MAX_SKEW_MS)) throw new IdentitySignatureError('The identity signature has expired.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Identity | null;
}

function signature(payload: string, signedAt: string, secret: string): string {
  return createHmac('sha256', secret).update(`${signedAt}.${payload}`).digest('base64url');
}
