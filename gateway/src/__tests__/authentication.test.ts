// Bearer tokens, verified once and remembered until they expire: the memory never outlives a token. phasegraph's own
// HS256 tokens, and an identity provider's, verified against a real JWKS server started here.
import { createHmac, randomUUID } from 'node:crypto';
import { TokenVerifier, type IdentityProviderConfig } from '../authentication';
import { DEFAULT_KEY_SET_TIMING, type KeySetTiming } from '../provider-keys';
import { LocalIdentityProvider, PROVIDER_AUDIENCE, type SigningKey } from './local-identity-provider';

const secret = 'unit-test-jwt-secret-0123456789';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function hs256(claims: Record<string, unknown>, key: string | Buffer = secret, header: Record<string, unknown> = {}): string {
  const body = `${encode({ alg: 'HS256', typ: 'JWT', ...header })}.${encode(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

const bearer = (token: string) => `Bearer ${token}`;
const refusedAs = (code: string, message?: RegExp) => ({
  extensions: expect.objectContaining({ code }),
  ...(message ? { message: expect.stringMatching(message) } : {}),
});
const UNAUTHENTICATED = (message?: RegExp) => refusedAs('UNAUTHENTICATED', message);

describe('the token verifier', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  const user = { sub: randomUUID(), name: 'Ada', email: 'ada@example.com', roles: ['TESTER'] };

  it('answers a remembered token again, and refuses it once its exp has passed', async () => {
    const verifier = new TokenVerifier(secret);
    const token = bearer(hs256({ ...user, exp: now / 1000 + 60 }));
    expect(await verifier.identify(token, now)).toMatchObject({ id: user.sub, roles: ['TESTER'] });
    expect(await verifier.identify(token, now + 59_000)).toMatchObject({ id: user.sub });
    await expect(verifier.identify(token, now + 61_000)).rejects.toMatchObject(UNAUTHENTICATED(/has expired/));
  });

  it('never remembers a token it refused', async () => {
    const verifier = new TokenVerifier(secret);
    const forged = bearer(hs256({ ...user, exp: now / 1000 + 60 }, 'another-secret-0123456789'));
    for (let attempt = 0; attempt < 2; attempt++) await expect(verifier.identify(forged, now)).rejects.toMatchObject(UNAUTHENTICATED());
  });

  it('refuses a token without exp, saying so (HTTP 401)', async () => {
    const verifier = new TokenVerifier(secret);
    await expect(verifier.identify(bearer(hs256(user)), now)).rejects.toMatchObject({
      message: expect.stringMatching(/no expiry \(`exp`\)/),
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const verifier = new TokenVerifier(secret);
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...user, exp: now / 1000 + 60 })}.`;
    await expect(verifier.identify(bearer(unsigned), now)).rejects.toMatchObject(UNAUTHENTICATED(/algorithm \(none\) is not accepted/));
  });

  it('refuses a token signed for a provider when no provider is configured', async () => {
    const provider = await LocalIdentityProvider.start();
    try {
      const token = await provider.sign(await provider.newKey('RS256'), { ...user });
      await expect(new TokenVerifier(secret).identify(bearer(token))).rejects.toMatchObject(
        UNAUTHENTICATED(/algorithm \(RS256\) is not accepted here; accepted: HS256\./),
      );
      expect(provider.fetches).toBe(0);
    } finally {
      await provider.close();
    }
  });
});

describe("the token verifier with an identity provider's keys (JWKS)", () => {
  let provider: LocalIdentityProvider;
  let key: SigningKey;
  /** The settings of a Keycloak realm: its issuer, an audience mapper for phasegraph, realm roles. */
  let keycloak: IdentityProviderConfig;
  /** A Keycloak user: a UUID `sub`, its realm's roles besides phasegraph's. */
  const user = {
    sub: randomUUID(),
    name: 'Kim Keycloak',
    email: 'kim@example.com',
    realm_access: { roles: ['TESTER', 'offline_access', 'uma_authorization'] },
  };
  /** No cooldown: a token naming an unknown key makes the verifier fetch the key set again at once. */
  const eager: KeySetTiming = { ...DEFAULT_KEY_SET_TIMING, cooldownMs: 0 };

  beforeEach(async () => {
    provider = await LocalIdentityProvider.start();
    key = await provider.newKey('RS256');
    keycloak = {
      jwksUrl: provider.jwksUrl,
      issuer: provider.issuer,
      audience: [PROVIDER_AUDIENCE],
      claims: { subject: 'sub', name: 'name', email: 'email', roles: 'realm_access.roles' },
    };
  });
  afterEach(() => provider.close());

  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'accepts a %s token, mapping its claims (roles from realm_access.roles; unknown roles ignored)',
    async (alg) => {
      const signing = alg === 'RS256' ? key : await provider.newKey(alg);
      const verifier = new TokenVerifier(secret, keycloak);
      expect(await verifier.identify(bearer(await provider.sign(signing, user)))).toEqual({
        id: user.sub,
        name: user.name,
        email: user.email,
        roles: ['TESTER'],
      });
    },
  );

  it('still accepts phasegraph’s own HS256 tokens beside the provider’s', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    const own = { sub: randomUUID(), name: 'Ada', email: 'ada@example.com', roles: ['ADMIN'], exp: Math.floor(Date.now() / 1000) + 60 };
    expect(await verifier.identify(bearer(hs256(own)))).toMatchObject({ id: own.sub, roles: ['ADMIN'] });
  });

  it('fetches the key set once for many tokens, and answers a remembered token without asking again', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    const first = bearer(await provider.sign(key, user));
    const second = bearer(await provider.sign(key, { ...user, sub: randomUUID() }));
    for (let i = 0; i < 3; i++) {
      await verifier.identify(first);
      await verifier.identify(second);
    }
    expect(provider.fetches).toBe(1);
  });

  it('after a rotation: accepts tokens of the new key and refuses the withdrawn key’s, remembered ones included', async () => {
    const verifier = new TokenVerifier(secret, keycloak, eager);
    const before = bearer(await provider.sign(key, user));
    expect(await verifier.identify(before)).toMatchObject({ id: user.sub });

    const next = await provider.newKey('RS256');
    provider.withdraw(key);
    expect(await verifier.identify(bearer(await provider.sign(next, user)))).toMatchObject({ id: user.sub });
    expect(provider.fetches).toBe(2);

    await expect(verifier.identify(bearer(await provider.sign(key, user)))).rejects.toMatchObject(
      UNAUTHENTICATED(/key the identity provider does not publish/),
    );
    await expect(verifier.identify(before)).rejects.toMatchObject(UNAUTHENTICATED(/key the identity provider does not publish/));
  });

  it('does not ask the provider again for every token naming a key it does not publish (cooldown)', async () => {
    const verifier = new TokenVerifier(secret, keycloak, { ...DEFAULT_KEY_SET_TIMING, cooldownMs: 10 * 60_000 });
    expect(await verifier.identify(bearer(await provider.sign(key, user)))).toMatchObject({ id: user.sub });
    const strangers = await Promise.all(Array.from({ length: 5 }, () => provider.newKey('ES256', { publish: false })));
    const bogus = await Promise.all(strangers.map((stranger) => provider.sign(stranger, user)));
    for (const token of [...bogus, ...bogus]) await expect(verifier.identify(bearer(token))).rejects.toMatchObject(UNAUTHENTICATED(/does not publish/));
    expect(provider.fetches).toBe(1);
  });

  it('answers SERVICE_UNAVAILABLE while the provider cannot be reached, and leaves a failing provider alone meanwhile', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    provider.failWith(503);
    const token = bearer(await provider.sign(key, user));
    for (let i = 0; i < 4; i++) await expect(verifier.identify(token)).rejects.toMatchObject(refusedAs('SERVICE_UNAVAILABLE', /cannot be fetched/));
    expect(provider.fetches).toBe(1);
  });

  it('accepts the provider’s tokens again once it answers', async () => {
    const verifier = new TokenVerifier(secret, keycloak, { ...DEFAULT_KEY_SET_TIMING, retryAfterFailureMs: 0 });
    provider.failWith(500);
    const token = bearer(await provider.sign(key, user));
    await expect(verifier.identify(token)).rejects.toMatchObject(refusedAs('SERVICE_UNAVAILABLE'));
    provider.recover();
    expect(await verifier.identify(token)).toMatchObject({ id: user.sub });
  });

  it.each([
    ['another issuer', { iss: 'https://keycloak.example.com/realms/other' }, /not issued by the identity provider configured here \(`iss`\)/],
    ['no issuer', { iss: undefined }, /`iss`/],
    ['another audience', { aud: 'another-app' }, /not issued for phasegraph \(`aud`\)/],
    ['no audience', { aud: undefined }, /`aud`/],
    ['no exp', { exp: undefined }, /no expiry \(`exp`\)/],
    ['an exp that has passed', { exp: Math.floor(Date.now() / 1000) - 60 }, /has expired/],
    ['an nbf still to come', { nbf: Math.floor(Date.now() / 1000) + 3600 }, /not valid yet/],
  ])('refuses a token with %s', async (_case, claims, message) => {
    const verifier = new TokenVerifier(secret, keycloak);
    await expect(verifier.identify(bearer(await provider.sign(key, { ...user, ...claims })))).rejects.toMatchObject(UNAUTHENTICATED(message));
  });

  it('refuses an HS256 token whose "secret" is the provider’s public key (algorithm confusion)', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    const claims = { ...user, iss: provider.issuer, aud: PROVIDER_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 };
    const publicKeyAsSecret = [Buffer.from(JSON.stringify(key.publicJwk)), Buffer.from(key.publicJwk.n!, 'base64url')];
    for (const forged of publicKeyAsSecret) {
      await expect(verifier.identify(bearer(hs256(claims, forged, { kid: key.kid })))).rejects.toMatchObject(UNAUTHENTICATED(/is not valid/));
    }
  });

  it('refuses a token whose header claims one algorithm and whose key is of another kind', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    const token = await provider.sign(key, user);
    const [, payload, signature] = token.split('.');
    const relabelled = `${encode({ alg: 'ES256', kid: key.kid })}.${payload}.${signature}`;
    await expect(verifier.identify(bearer(relabelled))).rejects.toMatchObject(UNAUTHENTICATED());
  });

  it('refuses a token whose claims are not usable, naming the configured claim', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    const noEmail = await provider.sign(key, { ...user, email: undefined });
    await expect(verifier.identify(bearer(noEmail))).rejects.toMatchObject(UNAUTHENTICATED(/claims are not usable: email: must be present/));
    const rolesObject = await provider.sign(key, { ...user, realm_access: { roles: { TESTER: true } } });
    await expect(verifier.identify(bearer(rolesObject))).rejects.toMatchObject(UNAUTHENTICATED(/realm_access\.roles: must be a list of role names/));
  });

  it('takes a user without phasegraph roles, or without a name, as they are', async () => {
    const verifier = new TokenVerifier(secret, keycloak);
    const bare = await provider.sign(key, { sub: user.sub, email: user.email });
    expect(await verifier.identify(bearer(bare))).toEqual({ id: user.sub, name: user.email, email: user.email, roles: [] });
  });

  it('maps Microsoft Entra ID claims: oid as the id, preferred_username as e-mail, app roles', async () => {
    const entra: IdentityProviderConfig = { ...keycloak, claims: { subject: 'oid', name: 'name', email: 'preferred_username', roles: 'roles' } };
    const oid = randomUUID().toUpperCase();
    const token = await provider.sign(key, {
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      oid,
      name: 'Erin Entra',
      preferred_username: 'erin@contoso.example',
      roles: ['REPORT_OWNER', 'Task.Read'],
    });
    expect(await new TokenVerifier(secret, entra).identify(bearer(token))).toEqual({
      id: oid.toLowerCase(),
      name: 'Erin Entra',
      email: 'erin@contoso.example',
      roles: ['REPORT_OWNER'],
    });
  });

  it('gives a subject that is not a UUID a stable UUID (v5) of the issuer and the subject', async () => {
    const auth0: IdentityProviderConfig = { ...keycloak, issuer: undefined, claims: { ...keycloak.claims, roles: 'https://phasegraph.example/roles' } };
    const verifier = new TokenVerifier(secret, auth0);
    const claims = { sub: 'auth0|5f7c8ec7c33c6c004bbafe82', name: 'Ash', email: 'ash@example.com', 'https://phasegraph.example/roles': ['DATA_OWNER'] };
    const id = async (iss: string) => (await verifier.identify(bearer(await provider.sign(key, { ...claims, iss }))))!.id;
    // The expected values are Python's uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, iss), sub).
    expect(await id('https://phasegraph.eu.auth0.com/')).toBe('b45aafd5-d538-50cf-89a3-71e7442da10d');
    expect(await id('https://phasegraph.eu.auth0.com/')).toBe('b45aafd5-d538-50cf-89a3-71e7442da10d');
    expect(await id('https://other.eu.auth0.com/')).toBe('078f8eb2-a715-54e2-b830-d6df9905a302');
    expect(await verifier.identify(bearer(await provider.sign(key, claims)))).toMatchObject({ roles: ['DATA_OWNER'] });
  });
});
