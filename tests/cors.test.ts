// Browsers may call the gateway from the origins in CORS_ORIGINS only (the test stack allows one); the request id
// and the trace context are readable by those apps, so a user can quote them.
import { stack } from './support/api';
import { TEST_APP_ORIGIN } from './support/stack';

const ask = (origin: string, method = 'POST') =>
  fetch(stack.gatewayUrl, {
    method,
    headers: { origin, 'content-type': 'application/json', ...(method === 'OPTIONS' ? { 'access-control-request-method': 'POST' } : {}) },
    body: method === 'POST' ? JSON.stringify({ query: '{ phases { name } }' }) : undefined,
  });

describe('cross-origin requests', () => {
  it('are allowed from a configured origin, which may read the request id and the traceparent', async () => {
    const response = await ask(TEST_APP_ORIGIN);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(TEST_APP_ORIGIN);
    expect(response.headers.get('access-control-expose-headers')).toBe('x-request-id, traceparent');
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('get no CORS headers from any other origin, so the browser keeps the answer from the page', async () => {
    const response = await ask('https://evil.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from a configured origin, and only from it', async () => {
    const allowed = await ask(TEST_APP_ORIGIN, 'OPTIONS');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(TEST_APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect((await ask('https://evil.example', 'OPTIONS')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
