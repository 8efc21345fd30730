// An identity provider's public signing keys, fetched from its JWKS URL: cached, refetched when a token names a key
// not seen yet, and never fetched so often that a flood of tokens naming made-up keys could hammer the provider.
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  customFetch,
  jwksCache,
  type ExportedJWKSCache,
  type FetchImplementation,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  type JWKSCacheInput,
} from 'jose';

/** When the key set is fetched again (milliseconds). The defaults suit production; tests shorten them. */
export interface KeySetTiming {
  /** How long a fetched key set is used before the next token that needs it fetches it again. */
  maxAgeMs: number;
  /** After a successful fetch, how long a token naming an unknown key is refused without asking the provider. */
  cooldownMs: number;
  /** After a failed fetch, how long the provider is left alone; tokens that need a fetch meanwhile are answered at once. */
  retryAfterFailureMs: number;
  /** How long one fetch may take. */
  timeoutMs: number;
}

export const DEFAULT_KEY_SET_TIMING: KeySetTiming = { maxAgeMs: 10 * 60_000, cooldownMs: 30_000, retryAfterFailureMs: 5_000, timeoutMs: 5_000 };

/**
 * The provider's keys could not be had (unreachable, an HTTP error, not a key set): a fault of the platform, not of
 * the token, which may well be good.
 */
export class KeySetUnavailable extends Error {
  constructor(cause: unknown) {
    super(`The identity provider's signing keys cannot be fetched: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The provider's key set, as jose's key resolver for `jwtVerify`, plus which keys it publishes now. */
export class ProviderKeySet {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>;
  /** jose writes every key set it fetches (and uses) here, with the time of the fetch: what is published now. */
  private readonly fetched: Partial<ExportedJWKSCache> = {};
  /** The thumbprints of the keys in `fetched`, and the fetch they were computed from. */
  private published: { fetchedAt: number | undefined; thumbprints: Promise<Set<string>> } = { fetchedAt: undefined, thumbprints: Promise.resolve(new Set()) };
  /** Until when (ms since the epoch) the provider is not asked again, after a failed fetch. */
  private quietUntil = 0;

  constructor(
    url: string,
    private readonly timing: KeySetTiming = DEFAULT_KEY_SET_TIMING,
  ) {
    this.remote = createRemoteJWKSet(new URL(url), {
      cacheMaxAge: timing.maxAgeMs,
      cooldownDuration: timing.cooldownMs,
      timeoutDuration: timing.timeoutMs,
      [jwksCache]: this.fetched as JWKSCacheInput,
      [customFetch]: this.fetchKeySet,
    });
  }

  /**
   * The key a token's header names, for `jwtVerify`. A token naming no published key is refused by jose
   * (`ERR_JWKS_NO_MATCHING_KEY`); any other failure means the keys could not be had: KeySetUnavailable.
   */
  readonly resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await this.remote(header, token);
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? error.code : undefined;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
      throw new KeySetUnavailable(error);
    }
  };

  /**
   * Whether the key with this JWK thumbprint is in the key set as last fetched. A stale set is refreshed in the
   * background meanwhile, so that a key the provider withdrew stops counting even while only known tokens arrive.
   */
  async publishes(thumbprint: string): Promise<boolean> {
    if (!this.remote.fresh && !this.remote.reloading) {
      // A failure here needs no answer: the next token that needs the keys meets it again and is answered for it.
      this.remote.reload().catch(() => undefined);
    }
    if (this.published.fetchedAt !== this.fetched.uat) {
      this.published = { fetchedAt: this.fetched.uat, thumbprints: thumbprintsOf(this.fetched.jwks) };
    }
    return (await this.published.thumbprints).has(thumbprint);
  }

  /**
   * Fetches the key set for jose, remembering a failure: until `retryAfterFailureMs` has passed, the provider is not
   * asked again (jose's own cooldown only follows a success, so without this a provider that is down, or refusing us
   * for asking too often, would be asked once per incoming token).
   */
  private readonly fetchKeySet: FetchImplementation = async (url, options) => {
    if (Date.now() < this.quietUntil) throw new Error(`its last fetch failed less than ${this.timing.retryAfterFailureMs} ms ago`);
    try {
      const response = await fetch(url, options);
      if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}`);
      const body: unknown = await response.json();
      if (!isKeySet(body)) throw new Error(`${url} did not answer a JSON Web Key Set`);
      return Response.json(body);
    } catch (error) {
      this.quietUntil = Date.now() + this.timing.retryAfterFailureMs;
      throw error;
    }
  };
}

function isKeySet(body: unknown): body is JSONWebKeySet {
  return (
    typeof body === 'object' && body !== null && 'keys' in body && Array.isArray(body.keys) && body.keys.every((key) => typeof key === 'object' && key !== null)
  );
}

/** The RFC 7638 thumbprints of a key set's keys: what identifies a key, whatever its `kid` says. */
async function thumbprintsOf(keySet: JSONWebKeySet | undefined): Promise<Set<string>> {
  const thumbprints = await Promise.all((keySet?.keys ?? []).map((key: JWK) => calculateJwkThumbprint(key).catch(() => null)));
  // A key that has no thumbprint lacks the members that define it, so it could never have verified a token.
  return new Set(thumbprints.filter((thumbprint): thumbprint is string => thumbprint !== null));
}
