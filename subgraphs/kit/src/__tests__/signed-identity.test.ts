// The signing of forwarded identities, on its own.
import { IdentitySignatureError, SIGNATURE_VALIDITY_MS, signIdentity, verifyIdentity, type Identity } from '../signed-identity';

const secret = 'unit-test-secret-0123456789';
const ada: Identity = { id: '6d3c3f57-4b0c-4a4e-9a55-5a1f0f3b8c11', name: 'Ada', email: 'ada@example.com', roles: ['TESTER'] };
const body = '{"query":"{ me { id } }"}';
const headersOf = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

describe('signed identity', () => {
  it('round-trips a user and an anonymous caller with the body they were signed for', () => {
    expect(verifyIdentity(headersOf(signIdentity(ada, body, secret)), body, secret)).toEqual(ada);
    expect(verifyIdentity(headersOf(signIdentity(null, body, secret)), body, secret)).toBeNull();
    expect(verifyIdentity(headersOf(signIdentity(ada, '', secret)), '', secret)).toEqual(ada);
  });

  it('rejects missing headers, another secret, a changed payload or time', () => {
    const signed = signIdentity(ada, body, secret, 1_000_000);
    const cases = [
      {},
      signIdentity(ada, body, 'another-secret-0123456789', 1_000_000),
      { ...signed, 'x-phasegraph-identity': Buffer.from(JSON.stringify({ ...ada, roles: ['ADMIN'] })).toString('base64url') },
      { ...signed, 'x-phasegraph-signed-at': '1000001' },
    ];
    for (const headers of cases) expect(() => verifyIdentity(headersOf(headers), body, secret, 1_000_000)).toThrow(IdentitySignatureError);
  });

  it('rejects a signature presented with another body, even one byte apart', () => {
    const signed = signIdentity(ada, body, secret, 1_000_000);
    for (const other of ['', `${body} `, body.replace('me', 'us'), '{"query":"mutation { approve }"}']) {
      expect(() => verifyIdentity(headersOf(signed), other, secret, 1_000_000)).toThrow('not valid for this request');
    }
  });

  it(`rejects a signature more than ${SIGNATURE_VALIDITY_MS / 1000} s from the receiver's clock, either way`, () => {
    const signed = signIdentity(ada, body, secret, 1_000_000);
    expect(verifyIdentity(headersOf(signed), body, secret, 1_000_000 + SIGNATURE_VALIDITY_MS)).toEqual(ada);
    expect(() => verifyIdentity(headersOf(signed), body, secret, 1_000_000 + SIGNATURE_VALIDITY_MS + 1)).toThrow('expired');
    expect(() => verifyIdentity(headersOf(signed), body, secret, 1_000_000 - SIGNATURE_VALIDITY_MS - 1)).toThrow('expired');
  });
});
