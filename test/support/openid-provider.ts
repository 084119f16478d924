import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import Provider, { Configuration, JWK } from 'oidc-provider';

/** A client registered at the provider, allowed the client-credentials grant. */
export interface TestClientRegistration {
  clientId: string;
  /** Put in the token at `realm_access.roles`, as Keycloak does. */
  roles: string[];
}

/** The resource indicator (RFC 8707) of Herald, and the `aud` of the tokens issued for it. */
export const HERALD_RESOURCE = 'urn:herald';

/**
 * A real OpenID Provider (panva's oidc-provider) in the test process, on
 * 127.0.0.1 and a free port. Clients get JWT access tokens (RFC 9068) for
 * Herald by the client-credentials grant (RFC 6749 4.4); with that grant
 * the token's `sub` is the client id. `rotateKeys()` replaces the signing
 * key in place (same issuer, same URLs), as an identity provider's key
 * rotation does.
 */
export class TestOpenIdProvider {
  /** When each JWK Set request arrived (ms since the epoch). */
  readonly jwksRequests: number[] = [];
  private provider!: Provider;
  private handle!: (request: IncomingMessage, response: ServerResponse) => void;
  private readonly secrets = new Map<string, string>();
  private keyCount = 0;
  /** The `kid` the provider signs with now. */
  kid = '';

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly clients: readonly TestClientRegistration[],
  ) {
    for (const { clientId } of clients) this.secrets.set(clientId, randomBytes(24).toString('base64url'));
  }

  static async start(clients: readonly TestClientRegistration[]): Promise<TestOpenIdProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const provider = new TestOpenIdProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clients);
    provider.rotateKeys();
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.url?.startsWith('/jwks')) provider.jwksRequests.push(Date.now());
      provider.handle(request, response);
    });
    return provider;
  }

  /** The JWK Set URL, as the provider's discovery document (OpenID Connect Discovery 1.0) names it. */
  async jwksUri(): Promise<string> {
    const response = await fetch(`${this.issuer}/.well-known/openid-configuration`);
    return ((await response.json()) as { jwks_uri: string }).jwks_uri;
  }

  /** Obtains an access token for Herald by a client-credentials grant at the token endpoint. */
  async clientCredentialsToken(clientId: string): Promise<string> {
    const discovery = (await (await fetch(`${this.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${this.secrets.get(clientId)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: HERALD_RESOURCE }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    if (response.status !== 200 || !body.access_token) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** Replaces the signing key: from now on tokens carry a new `kid`, and the JWK Set holds only the new key. */
  rotateKeys(): void {
    this.kid = `key-${++this.keyCount}`;
    const key = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' };
    this.provider = new Provider(this.issuer, this.configuration(key));
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's callback is a Node request listener that handles its own errors
    this.handle = this.provider.callback();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private configuration(key: JWK): Configuration {
    const roles = new Map(this.clients.map((client) => [client.clientId, client.roles]));
    return {
      clients: this.clients.map(({ clientId }) => ({
        client_id: clientId,
        client_secret: this.secrets.get(clientId),
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      })),
      jwks: { keys: [key] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => HERALD_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            if (resource !== HERALD_RESOURCE) throw new Error(`unknown resource ${resource}`);
            return { scope: '', audience: HERALD_RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'RS256' } } };
          },
        },
      },
      extraTokenClaims: (_ctx, token) => ({ realm_access: { roles: roles.get((token as { clientId?: string }).clientId ?? '') ?? [] } }),
      ttl: { ClientCredentials: 300 },
    };
  }
}
