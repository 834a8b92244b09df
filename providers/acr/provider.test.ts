import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isRegcredError, RegcredError } from '../../src/core/errors.ts';
import { type AzureWorld, drive, SECRET_CLIENT, startAzureWorld, TENANT_ID, WORKLOAD_CLIENT } from '../../test/fakes/azure/azure-world.ts';
import { EXCHANGE_PATH } from '../../test/fakes/azure/fake-acr.ts';
import { jwtPayload } from './jwt-expiry.ts';
import acr, { ACR_REFRESH_TOKEN_USERNAME } from './index.ts';

let world: AzureWorld;

beforeAll(async () => {
  world = await startAzureWorld();
});
afterAll(async () => {
  await world?.stop();
});
afterEach(() => {
  world.acr.script.release();
  world.entra.script.release();
  world.acr.setChallenge(undefined as unknown as null);
});

function provider(raw: Record<string, unknown>, env: Record<string, string | undefined> = {}) {
  const validation = acr.validateConfig({
    authorityHost: world.entra.authorityHost,
    disableInstanceDiscovery: true,
    tenantId: TENANT_ID,
    retry: { attempts: 4, baseDelay: '10ms', maxDelay: '50ms' },
    requestTimeout: '10m',
    ...raw,
  });
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  const { context, logs } = world.context(env);
  return { provider: acr.create(validation.value, context), logs };
}

const secretIdentity = { type: 'client-secret', clientId: SECRET_CLIENT.clientId, clientSecretEnv: 'ACR_SECRET' };
const secretEnv = { ACR_SECRET: SECRET_CLIENT.secret };

function get(p: ReturnType<typeof provider>['provider'], signal = new AbortController().signal) {
  return drive(world.clock, p.getCredential(world.acr.host, { signal }));
}

describe('acr provider against fake Entra ID and ACR over https', () => {
  it('client secret: Entra token, exchange, refresh token as password', async () => {
    const { provider: p, logs } = provider({ identity: secretIdentity }, secretEnv);
    const credential = await get(p);
    expect(credential.username).toBe(ACR_REFRESH_TOKEN_USERNAME);
    expect(credential.password).toBe(world.acr.issued.at(-1));
    expect(credential.hosts).toEqual([world.acr.host]);
    const exchange = world.acr.script.requests.filter((r) => r.path === EXCHANGE_PATH).at(-1);
    expect(exchange?.fields.grant_type).toBe('access_token');
    expect(exchange?.fields.service).toBe(world.acr.host);
    expect(exchange?.fields.tenant).toBe(TENANT_ID);
    logs.assertNoSecrets([SECRET_CLIENT.secret, credential.password, exchange?.fields.access_token ?? 'x']);
  });
});
