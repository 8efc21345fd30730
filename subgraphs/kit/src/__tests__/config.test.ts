// The configuration: defaults, the production posture, and refusals that stop the process with a clear message.
import { ConfigError, loadConfig } from '../platform/config';

const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-jwt-secret-0123', SUBGRAPH_SECRET: 'a-production-subgraph-secret-0123' };

describe('configuration', () => {
  it('defaults: the limits of API.md, introspection on, any origin outside production', () => {
    const config = loadConfig({});
    expect(config.operationLimits).toEqual({ maxAliases: 30, maxDepth: 15, maxTokens: 5_000, maxCost: 10_000 });
    expect(config.introspection).toBe(true);
    expect(config.corsOrigins).toBe('*');
  });

  it('reads each limit, the origins and introspection from the environment', () => {
    const config = loadConfig({
      GRAPHQL_MAX_ALIASES: '10',
      GRAPHQL_MAX_DEPTH: '8',
      GRAPHQL_MAX_TOKENS: '2000',
      GRAPHQL_MAX_COST: '500',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      INTROSPECTION: 'off',
    });
    expect(config.operationLimits).toEqual({ maxAliases: 10, maxDepth: 8, maxTokens: 2_000, maxCost: 500 });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(config.introspection).toBe(false);
  });

  it('runs any operation unless PERSISTED_DOCUMENTS names a manifest', () => {
    expect(loadConfig({}).persistedDocuments).toBeUndefined();
    expect(loadConfig({ PERSISTED_DOCUMENTS: 'clients/persisted-query-manifest.json' }).persistedDocuments).toBe('clients/persisted-query-manifest.json');
  });

  it('in production: no origin unless listed, and never `*`', () => {
    expect(loadConfig(production).corsOrigins).toEqual([]);
    expect(loadConfig({ ...production, CORS_ORIGINS: 'https://app.example.com' }).corsOrigins).toEqual(['https://app.example.com']);
    expect(() => loadConfig({ ...production, CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS: `\*` is not allowed when NODE_ENV=production/);
  });

  it.each([
    ['GRAPHQL_MAX_ALIASES', '0'],
    ['GRAPHQL_MAX_COST', 'lots'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['INTROSPECTION', 'maybe'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  describe('an identity provider (JWT_JWKS_URL)', () => {
    const keycloak = {
      JWT_JWKS_URL: 'https://sso.example.com/realms/audit/protocol/openid-connect/certs',
      JWT_ISSUER: 'https://sso.example.com/realms/audit',
      JWT_AUDIENCE: 'phasegraph',
    };

    it('is off by default: the shared secret only', () => {
      expect(loadConfig({}).identityProvider).toBeUndefined();
    });

    it("reads the provider's settings, with phasegraph's own claim names as defaults", () => {
      expect(loadConfig(keycloak).identityProvider).toEqual({
        jwksUrl: keycloak.JWT_JWKS_URL,
        issuer: keycloak.JWT_ISSUER,
        audience: ['phasegraph'],
        claims: { subject: 'sub', name: 'name', email: 'email', roles: 'roles' },
      });
    });

    it('maps claims as told, and takes several audiences', () => {
      const config = loadConfig({
        ...keycloak,
        JWT_AUDIENCE: 'phasegraph, api://3f1c0b8e-phasegraph',
        JWT_SUBJECT_CLAIM: 'oid',
        JWT_NAME_CLAIM: 'name',
        JWT_EMAIL_CLAIM: 'preferred_username',
        JWT_ROLES_CLAIM: 'realm_access.roles',
      });
      expect(config.identityProvider).toMatchObject({
        audience: ['phasegraph', 'api://3f1c0b8e-phasegraph'],
        claims: { subject: 'oid', name: 'name', email: 'preferred_username', roles: 'realm_access.roles' },
      });
    });

    it('keeps the shared secret beside it, required in production as ever', () => {
      const config = loadConfig({ ...production, ...keycloak });
      expect(config.jwtSecret).toBe(production.JWT_SECRET);
      expect(config.identityProvider?.issuer).toBe(keycloak.JWT_ISSUER);
      const { JWT_SECRET: _secret, ...withoutSecret } = production;
      expect(() => loadConfig({ ...withoutSecret, ...keycloak })).toThrow(/JWT_SECRET: required when NODE_ENV=production/);
    });

    it('warns, outside production, when issuer or audience go unchecked', () => {
      const { warnings } = loadConfig({ JWT_SECRET: production.JWT_SECRET, SUBGRAPH_SECRET: production.SUBGRAPH_SECRET, JWT_JWKS_URL: keycloak.JWT_JWKS_URL });
      expect(warnings).toEqual([expect.stringMatching(/^JWT_ISSUER: not set/), expect.stringMatching(/^JWT_AUDIENCE: not set/)]);
    });

    it.each([
      ['no JWT_ISSUER', { JWT_ISSUER: undefined }, /JWT_ISSUER: not set.*required when NODE_ENV=production/],
      ['no JWT_AUDIENCE', { JWT_AUDIENCE: undefined }, /JWT_AUDIENCE: not set.*required when NODE_ENV=production/],
      ['an http:// JWT_JWKS_URL', { JWT_JWKS_URL: 'http://sso.example.com/certs' }, /JWT_JWKS_URL: must be an https:\/\/ URL when NODE_ENV=production/],
    ])('in production: refuses a provider with %s', (_case, override, message) => {
      const env = Object.fromEntries(Object.entries({ ...production, ...keycloak, ...override }).filter(([, value]) => value !== undefined));
      expect(() => loadConfig(env)).toThrow(message);
    });

    it.each(['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_SUBJECT_CLAIM', 'JWT_NAME_CLAIM', 'JWT_EMAIL_CLAIM', 'JWT_ROLES_CLAIM'])(
      'refuses %s without JWT_JWKS_URL: it would guard nothing',
      (name) => {
        expect(() => loadConfig({ [name]: 'x' })).toThrow(new RegExp(`${name}: only meaningful with JWT_JWKS_URL`));
      },
    );

    it.each([
      ['JWT_JWKS_URL', 'not a url'],
      ['JWT_JWKS_URL', 'ftp://sso.example.com/certs'],
      ['JWT_ROLES_CLAIM', 'realm_access..roles'],
      ['JWT_ROLES_CLAIM', '.roles'],
      ['JWT_EMAIL_CLAIM', 'e mail'],
      ['JWT_AUDIENCE', ' , '],
    ])('refuses %s=%s, naming it', (name, value) => {
      expect(() => loadConfig({ ...keycloak, [name]: value })).toThrow(new RegExp(name));
    });
  });
});
