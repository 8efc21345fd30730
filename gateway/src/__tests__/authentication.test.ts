// Bearer tokens, verified once and remembered until they expire: the memory never outlives a token.
import { createHmac, randomUUID } from 'node:crypto';
import { TokenVerifier } from '../authentication';

const secret = 'unit-test-jwt-secret-0123456789';

function token(claims: Record<string, unknown>, key = secret): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `Bearer ${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

describe('the token verifier', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  const user = { sub: randomUUID(), name: 'Ada', email: 'ada@example.com', roles: ['TESTER'] };

  it('answers a remembered token again, and refuses it once its exp has passed', async () => {
    const verifier = new TokenVerifier(secret);
    const bearer = token({ ...user, exp: now / 1000 + 60 });
    expect(await verifier.identify(bearer, now)).toMatchObject({ id: user.sub, roles: ['TESTER'] });
    expect(await verifier.identify(bearer, now + 59_000)).toMatchObject({ id: user.sub });
    await expect(verifier.identify(bearer, now + 61_000)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('never remembers a token it refused', async () => {
    const verifier = new TokenVerifier(secret);
    const forged = token({ ...user, exp: now / 1000 + 60 }, 'another-secret-0123456789');
    for (let attempt = 0; attempt < 2; attempt++)
      await expect(verifier.identify(forged, now)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});
