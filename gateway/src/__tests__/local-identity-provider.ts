// An identity provider in miniature, for tests: a real HTTP server publishing a JWKS of keys made here, which signs
// tokens with them. Keys can be added and withdrawn (rotation), the server can be made to fail, and every fetch of
// the key set is counted.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** A key pair of the provider's: the private half signs, the public half is what the JWKS publishes. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** The audience the provider's tokens carry unless told otherwise. */
export const PROVIDER_AUDIENCE = 'phasegraph-api';

export class LocalIdentityProvider {
  /** Times the key set was fetched. */
  fetches = 0;
  private published: SigningKey[] = [];
  /** An HTTP status to answer instead of the key set, while the provider is "down". */
  private failure: number | undefined;

  private readonly server: Server = createServer((request, response) => {
    if (request.url !== new URL(this.jwksUrl).pathname) return void response.writeHead(404).end();
    this.fetches++;
    if (this.failure) return void response.writeHead(this.failure).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.published.map((key) => key.publicJwk) }));
  });

  private constructor() {}

  static async start(): Promise<LocalIdentityProvider> {
    const provider = new LocalIdentityProvider();
    await new Promise<void>((resolve) => provider.server.listen(0, '127.0.0.1', resolve));
    return provider;
  }

  /** The issuer (`iss`) of its tokens: a realm URL, as Keycloak's. */
  get issuer(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/test`;
  }

  /** Where it publishes its keys, as Keycloak does. */
  get jwksUrl(): string {
    return `${this.issuer}/protocol/openid-connect/certs`;
  }

  /** A new key pair, published in the key set from now on unless `publish` is false. */
  async newKey(alg: SigningAlgorithm = 'RS256', { publish = true } = {}): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = randomUUID();
    const key: SigningKey = { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    if (publish) this.published.push(key);
    return key;
  }

  /** Takes a key out of the key set (the end of a rotation). */
  withdraw(key: SigningKey): void {
    this.published = this.published.filter((published) => published.kid !== key.kid);
  }

  /** Answers every fetch of the key set with `status` until `recover()`. */
  failWith(status: number): void {
    this.failure = status;
  }

  recover(): void {
    this.failure = undefined;
  }

  /**
   * A token signed with `key`, from this issuer for PROVIDER_AUDIENCE, expiring in an hour; `claims` adds to or
   * overrides those (an `undefined` value leaves that claim out).
   */
  async sign(key: SigningKey, claims: JWTPayload = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const all: JWTPayload = { iss: this.issuer, aud: PROVIDER_AUDIENCE, iat: now, exp: now + 3600, ...claims };
    const present = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
    return new SignJWT(present).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
