// The signing of forwarded identities, on its own.
import { IdentitySignatureError, signIdentity, verifyIdentity, type Identity } from '../signed-identity';

const secret = 'unit-test-secret-0123456789';
const ada: Identity = { id: '6d3c3f57-4b0c-4a4e-9a55-5a1f0f3b8c11', name: 'Ada', email: 'ada@example.com', roles: ['TESTER'] };
const headersOf = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

describe('signed identity', () => {
  it('round-trips a user and an anonymous caller', () => {
    expect(verifyIdentity(headersOf(signIdentity(ada, secret)), secret)).toEqual(ada);
    expect(verifyIdentity(headersOf(signIdentity(null, secret)), secret)).toBeNull();
  });

  it('rejects missing headers, another secret, a changed payload or time, and a stale signature', () => {
    const signed = signIdentity(ada, secret, 1_000_000);
    const cases = [
      {},
      signIdentity(ada, 'another-secret-0123456789'),
      { ...signed, 'x-phasegraph-identity': Buffer.from(JSON.stringify({ ...ada, roles: ['ADMIN'] })).toString('base64url') },
      { ...signed, 'x-phasegraph-signed-at': '1000001' },
    ];
    for (const headers of cases) expect(() => verifyIdentity(headersOf(headers), secret, 1_000_000)).toThrow(IdentitySignatureError);
    expect(() => verifyIdentity(headersOf(signed), secret, 1_000_000 + 5 * 60_000 + 1)).toThrow('expired');
  });
});
