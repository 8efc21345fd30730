// A gateway behind an identity provider (JWT_JWKS_URL): a provider's token is verified against the keys it
// publishes, its claims mapped to the user the API records, and phasegraph's own tokens still work beside it.
// PostgreSQL only: the gateway configured so is another process on the stack's database.
import { randomUUID } from 'node:crypto';
import { LocalIdentityProvider, PROVIDER_AUDIENCE, type SigningKey } from '../gateway/src/__tests__/local-identity-provider';
import { newUser, stack } from './support/api';
import { startExtraGateway, type ExtraGateway } from './support/stack';

const onPostgres = stack.databaseUrl ? describe : describe.skip;
const ME = '{ me { id name email roles } }';

async function ask(gatewayUrl: string, token: string, query = ME): Promise<{ status: number; body: any }> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

onPostgres('a gateway behind an identity provider', () => {
  let provider: LocalIdentityProvider;
  let gateway: ExtraGateway;
  /** Published before the gateway first asks: within its cooldown a key published later would not be seen yet. */
  let rsaKey: SigningKey;
  let ecKey: SigningKey;

  beforeAll(async () => {
    provider = await LocalIdentityProvider.start();
    rsaKey = await provider.newKey('RS256');
    ecKey = await provider.newKey('ES256');
    gateway = await startExtraGateway(stack, undefined, {
      JWT_JWKS_URL: provider.jwksUrl,
      JWT_ISSUER: provider.issuer,
      JWT_AUDIENCE: PROVIDER_AUDIENCE,
      JWT_ROLES_CLAIM: 'realm_access.roles',
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await provider?.close();
  });

  it("serves a query to a provider's user, recorded with the claims it maps (unknown roles ignored)", async () => {
    const sub = randomUUID();
    const token = await provider.sign(ecKey, {
      sub,
      name: 'Kim Keycloak',
      email: 'kim@example.com',
      realm_access: { roles: ['TEST_MANAGER', 'offline_access'] },
    });
    const { status, body } = await ask(gateway.url, token);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: { id: sub, name: 'Kim Keycloak', email: 'kim@example.com', roles: ['TEST_MANAGER'] } } });
  });

  it('refuses a token the provider issued for another application: UNAUTHENTICATED, HTTP 401', async () => {
    const token = await provider.sign(rsaKey, { sub: randomUUID(), name: 'Kim', email: 'kim@example.com', aud: 'another-app' });
    const { status, body } = await ask(gateway.url, token);
    expect(status).toBe(401);
    expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/`aud`/), extensions: { code: 'UNAUTHENTICATED' } });
  });

  it("still serves phasegraph's own HS256 tokens", async () => {
    const tester = newUser('TESTER');
    const { status, body } = await ask(gateway.url, tester.token);
    expect(status).toBe(200);
    expect(body.data.me).toMatchObject({ id: tester.id, roles: ['TESTER'] });
  });
});
