// The configuration: defaults, the production posture, and refusals that stop the process with a clear message.
import { ConfigError, loadConfig } from '../config';

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
});
