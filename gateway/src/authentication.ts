// Verifying a request's bearer JWT once, at the gateway, into the identity forwarded (signed) to subgraphs: phasegraph's
// own tokens (HS256, JWT_SECRET) and, when JWT_JWKS_URL names one, an identity provider's (RS256, ES256, EdDSA).
import { INPUT_LIMITS, USER_ROLES, serviceUnavailable, textProblem, unauthenticated, type Config, type Identity, type UserRole } from '@phasegraph/kit';
import { GraphQLError } from 'graphql';
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { DEFAULT_KEY_SET_TIMING, KeySetUnavailable, ProviderKeySet, type KeySetTiming } from './provider-keys';

/** Where an identity provider's keys are, what its tokens must say and where its claims are (see the kit's config). */
export type IdentityProviderConfig = NonNullable<Config['identityProvider']>;

/**
 * What a provider may sign with: asymmetric algorithms only. Each token is verified by the kind of key its `alg`
 * names, HS256 with the shared secret and these with the provider's published keys, so a published (public) key can
 * never serve as an HMAC secret, nor the secret verify a provider's token.
 */
export const PROVIDER_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

/** A claim phasegraph records (the user's name, e-mail): text the database can store, of a sensible length. */
const storableText = (min: number) =>
  z
    .string({ error: 'must be present, as text' })
    .min(min)
    .superRefine((text, context) => {
      const problem = textProblem(text, INPUT_LIMITS.attributeName);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });

/** The claims of phasegraph's own tokens (API.md): a UUID `sub` and phasegraph's role names, strictly. */
const ownClaims = z.object({
  sub: z.string().uuid('sub must be a UUID'),
  name: storableText(1),
  email: storableText(3),
  roles: z.array(z.enum(USER_ROLES)),
});

/** A provider's claims, once found where the configuration says they are. */
const providerClaims = z.object({
  subject: z.string({ error: 'must be present, as text' }).min(1),
  name: storableText(1),
  email: storableText(3),
  roles: z.union([z.array(z.unknown()), z.string()], { error: 'must be a list of role names' }).optional(),
});

/** The most verified tokens remembered; past it the memory starts over. */
const MAX_REMEMBERED_TOKENS = 10_000;

/** A verified token: whom it names, until when, and for a provider's token the key that signed it (JWK thumbprint). */
interface VerifiedToken {
  identity: Identity;
  expiresAtMs: number;
  keyThumbprint?: string;
}

/** Verifies bearer tokens: HS256 ones signed with `secret`, and a provider's when one is configured. */
export class TokenVerifier {
  /** A key object, not bytes: jose would import raw bytes again on every verification. */
  private readonly key: KeyObject;
  private readonly providerKeys: ProviderKeySet | undefined;
  /**
   * Tokens already verified, with their identity and expiry: a client sends the same token with every request, and
   * verifying it each time cost 3.7 % of the gateway's CPU under load. A token is immutable; only its expiry is checked
   * again on each use, and for a provider's token that its key is still published.
   */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    secret: string,
    private readonly provider?: IdentityProviderConfig,
    keySetTiming: KeySetTiming = DEFAULT_KEY_SET_TIMING,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.providerKeys = provider && new ProviderKeySet(provider.jwksUrl, keySetTiming);
  }

  /**
   * The caller's identity; null when no token is sent; UNAUTHENTICATED (HTTP 401) when the token is bad;
   * SERVICE_UNAVAILABLE when the provider's keys cannot be fetched to tell.
   */
  async identify(authorization: string | undefined, now = Date.now()): Promise<Identity | null> {
    return (await this.session(authorization, now))?.identity ?? null;
  }

  /** Like identify, with when the token expires (ms since the epoch): a socket ends then, as its token's session. */
  async session(authorization: string | undefined, now = Date.now()): Promise<{ identity: Identity; expiresAtMs: number } | null> {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be `Bearer <token>`.', 401);
    const token = match[1]!;
    const known = this.verified.get(token);
    if (known && now < known.expiresAtMs && (known.keyThumbprint === undefined || (await this.providerKeys!.publishes(known.keyThumbprint)))) {
      return { identity: known.identity, expiresAtMs: known.expiresAtMs };
    }
    this.verified.delete(token);
    let verified: VerifiedToken;
    try {
      verified = await this.verify(token, now);
    } catch (error) {
      throw refusal(error);
    }
    if (this.verified.size >= MAX_REMEMBERED_TOKENS) this.verified.clear();
    this.verified.set(token, verified);
    return { identity: verified.identity, expiresAtMs: verified.expiresAtMs };
  }

  /** Verifies `token` with the key its algorithm calls for; every token must expire (`exp`). */
  private async verify(token: string, now: number): Promise<VerifiedToken> {
    const { alg } = decodeProtectedHeader(token);
    if (alg === 'HS256') {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['exp'], currentDate: new Date(now) });
      return { identity: ownIdentity(payload), expiresAtMs: payload.exp! * 1000 };
    }
    if (this.provider && this.providerKeys && PROVIDER_ALGORITHMS.some((accepted) => accepted === alg)) {
      const { payload, key } = await jwtVerify(token, this.providerKeys.resolve, {
        algorithms: [...PROVIDER_ALGORITHMS],
        issuer: this.provider.issuer,
        audience: this.provider.audience,
        requiredClaims: ['exp'],
        currentDate: new Date(now),
      });
      const identity = providerIdentity(payload, this.provider);
      return { identity, expiresAtMs: payload.exp! * 1000, keyThumbprint: await calculateJwkThumbprint(await exportJWK(key)) };
    }
    const accepted = ['HS256', ...(this.provider ? PROVIDER_ALGORITHMS : [])].join(', ');
    // The header is the sender's: at most a short excerpt of it goes back into the message.
    throw unauthenticated(`The bearer token's algorithm (${String(alg).slice(0, 20)}) is not accepted here; accepted: ${accepted}.`, 401);
  }
}

/** The identity a phasegraph token names: its claims are phasegraph's own, checked strictly. */
function ownIdentity(payload: JWTPayload): Identity {
  const parsed = ownClaims.safeParse(payload);
  if (!parsed.success) throw unusableClaims(parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message]));
  const { sub, name, email, roles } = parsed.data;
  return { id: sub.toLowerCase(), name, email, roles };
}

/**
 * The identity a provider's token names, its claims found where the configuration says. Roles phasegraph does not
 * know are ignored: providers send the roles of every application a user uses. A token without a name takes its
 * e-mail as name (Keycloak omits `name` for users without first and last names).
 */
function providerIdentity(payload: JWTPayload, provider: IdentityProviderConfig): Identity {
  const { claims } = provider;
  const parsed = providerClaims.safeParse({
    subject: claimAt(payload, claims.subject),
    name: claimAt(payload, claims.name) ?? claimAt(payload, claims.email),
    email: claimAt(payload, claims.email),
    roles: claimAt(payload, claims.roles),
  });
  if (!parsed.success) {
    throw unusableClaims(parsed.error.issues.map((issue) => [claims[issue.path[0] as keyof typeof claims] ?? issue.path.join('.'), issue.message]));
  }
  const { subject, name, email, roles } = parsed.data;
  const names = typeof roles === 'string' ? [roles] : (roles ?? []);
  return {
    id: userIdOf(payload.iss ?? provider.jwksUrl, subject),
    name,
    email,
    roles: USER_ROLES.filter((role: UserRole) => names.includes(role)),
  };
}

/**
 * The value at `path` in the claims: a claim named exactly so (Auth0's namespaced claims hold dots, e.g.
 * `https://example.com/roles`), else the dotted path followed through nested objects (`realm_access.roles`).
 */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const step of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** The UUID namespace for URLs (RFC 9562), under which each issuer gets a namespace of its own. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/**
 * phasegraph's id (a UUID) for a provider's user: the subject itself when it is a UUID (Keycloak's `sub`, Entra ID's
 * `oid`), else a UUID v5 of the issuer and the subject (Auth0's `auth0|…`, Entra ID's pairwise `sub`), stable across
 * sign-ins and distinct between issuers.
 */
function userIdOf(issuer: string, subject: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(subject)) return subject.toLowerCase();
  return uuidV5(uuidV5(URL_NAMESPACE, issuer), subject);
}

/** A name-based UUID (version 5, SHA-1) of `name` in `namespace`, as RFC 9562 defines it. */
function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function unusableClaims(problems: [claim: string, message: string][]): GraphQLError {
  return unauthenticated(`The bearer token's claims are not usable: ${problems.map(([claim, message]) => `${claim}: ${message}`).join('; ')}.`, 401);
}

/** Why a token failed jose's verification, by error code (and claim): what the client is told. */
const REFUSALS: Record<string, string> = {
  ERR_JWT_EXPIRED: 'has expired',
  'ERR_JWT_CLAIM_VALIDATION_FAILED exp': 'has no expiry (`exp`); phasegraph accepts only tokens that expire',
  'ERR_JWT_CLAIM_VALIDATION_FAILED iss': 'was not issued by the identity provider configured here (`iss`)',
  'ERR_JWT_CLAIM_VALIDATION_FAILED aud': 'was not issued for phasegraph (`aud`)',
  'ERR_JWT_CLAIM_VALIDATION_FAILED nbf': 'is not valid yet (`nbf`)',
  ERR_JWKS_NO_MATCHING_KEY: 'is signed with a key the identity provider does not publish',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'names no key (`kid`), and the identity provider publishes several',
};

/** What a client is told about a token that failed verification: UNAUTHENTICATED saying why, without internals. */
function refusal(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof KeySetUnavailable) return serviceUnavailable("The identity provider's signing keys cannot be fetched just now; try again shortly.");
  const { code, claim } = error instanceof Error ? (error as Error & { code?: unknown; claim?: unknown }) : {};
  const reason = REFUSALS[`${String(code)} ${String(claim)}`] ?? REFUSALS[String(code)] ?? 'is not valid';
  return unauthenticated(`The bearer token ${reason}.`, 401);
}
