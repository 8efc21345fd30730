// Verifying a request's bearer JWT once, at the gateway, into the identity forwarded (signed) to subgraphs.
import { INPUT_LIMITS, USER_ROLES, textProblem, unauthenticated, type Identity } from '@phasegraph/kit';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { z } from 'zod';

/** A claim phasegraph records (the user's name, e-mail): text the database can store, of a sensible length. */
const storableText = (min: number) =>
  z
    .string()
    .min(min)
    .superRefine((text, context) => {
      const problem = textProblem(text, INPUT_LIMITS.attributeName);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });

const claims = z.object({
  sub: z.string().uuid('sub must be a UUID'),
  name: storableText(1),
  email: storableText(3),
  roles: z.array(z.enum(USER_ROLES)),
});

/** The most verified tokens remembered; past it the memory starts over. */
const MAX_REMEMBERED_TOKENS = 10_000;

/** Verifies HS256 tokens signed with `secret`. */
export class TokenVerifier {
  /** A key object, not bytes: jose would import raw bytes again on every verification. */
  private readonly key: KeyObject;
  /**
   * Tokens already verified, with their identity and expiry: a client sends the same token with every request, and
   * verifying it each time cost 3.7 % of the gateway's CPU under load. A token is immutable; only its expiry is checked
   * again on each use.
   */
  private readonly verified = new Map<string, { identity: Identity; expiresAtMs: number }>();

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** The caller's identity; null when no token is sent; UNAUTHENTICATED (HTTP 401) when the token is bad. */
  async identify(authorization: string | undefined, now = Date.now()): Promise<Identity | null> {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be `Bearer <token>`.', 401);
    const token = match[1]!;
    const known = this.verified.get(token);
    if (known && now < known.expiresAtMs) return known.identity;
    this.verified.delete(token);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], currentDate: new Date(now) }));
    } catch (error) {
      const reason = error instanceof Error && 'code' in error && error.code === 'ERR_JWT_EXPIRED' ? 'has expired' : 'is not valid';
      throw unauthenticated(`The bearer token ${reason}.`, 401);
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) {
      throw unauthenticated(
        `The bearer token's claims are not usable: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}.`,
        401,
      );
    }
    const { sub, name, email, roles } = parsed.data;
    const identity: Identity = { id: sub.toLowerCase(), name, email, roles };
    // Remembered only with an expiry (`exp`, seconds); a token without one is verified on every use.
    const exp = (payload as { exp?: unknown }).exp;
    if (typeof exp === 'number') {
      if (this.verified.size >= MAX_REMEMBERED_TOKENS) this.verified.clear();
      this.verified.set(token, { identity, expiresAtMs: exp * 1000 });
    }
    return identity;
  }
}
