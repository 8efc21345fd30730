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

/** Verifies HS256 tokens signed with `secret`. */
export class TokenVerifier {
  /** A key object, not bytes: jose would import raw bytes again on every verification. */
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** The caller's identity; null when no token is sent; UNAUTHENTICATED (HTTP 401) when the token is bad. */
  async identify(authorization: string | undefined): Promise<Identity | null> {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be `Bearer <token>`.', 401);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(match[1]!, this.key, { algorithms: ['HS256'] }));
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
    return { id: sub.toLowerCase(), name, email, roles };
  }
}
