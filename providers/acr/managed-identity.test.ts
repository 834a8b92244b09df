import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isRegcredError } from '../../src/core/errors.ts';
import { type AzureWorld, drive, startAzureWorld, TENANT_ID } from '../../test/fakes/azure/azure-world.ts';
import { EXCHANGE_PATH } from '../../test/fakes/azure/fake-acr.ts';
import { type FakeManagedIdentity, startFakeManagedIdentity } from '../../test/fakes/azure/fake-entra.ts';
import acr, { ACR_REFRESH_TOKEN_USERNAME } from './index.ts';

// MSAL picks the managed identity source from process.env only (IDENTITY_ENDPOINT/IDENTITY_HEADER, the
// App Service style, which can be loopback http); regcred cannot pass it in. This file sets and
// restores those two variables; it never lets the SDK fall through to IMDS at 169.254.169.254.
const USER_ASSIGNED = '44444444-4444-4444-4444-444444444444';
const RESOURCE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/regcred';
const MSI_VARIABLES = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'] as const;
let world: AzureWorld;
let msi: FakeManagedIdentity;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  world = await startAzureWorld();
  msi = await startFakeManagedIdentity({ tenantId: TENANT_ID, userAssigned: [USER_ASSIGNED] });
  world.trust(msi.issued);
  for (const name of MSI_VARIABLES) saved[name] = process.env[name];
  process.env.IDENTITY_ENDPOINT = msi.endpoint;
  process.env.IDENTITY_HEADER = msi.header;
  // Managed identity must never reach for the real instance metadata service in a test.
  expect(process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST).toBeUndefined();
});
afterAll(async () => {
  for (const name of MSI_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await msi?.stop();
  await world?.stop();
});

function provider(identity: Record<string, unknown>) {
  const validation = acr.validateConfig({
    identity,
    retry: { attempts: 2, baseDelay: '10ms', maxDelay: '20ms' },
    requestTimeout: '10m',
  });
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  const { context, logs } = world.context({});
  return { provider: acr.create(validation.value, context), logs };
}

describe('managed identity through a loopback identity endpoint', () => {
  it.each([
    {
      name: 'system-assigned',
      identity: { type: 'managed' },
      query: {},
      label: 'managed identity (system-assigned)',
    },
    {
      name: 'user-assigned by client id',
      identity: { type: 'managed', clientId: USER_ASSIGNED },
      query: { client_id: USER_ASSIGNED },
      label: `managed identity (client id ${USER_ASSIGNED})`,
    },
    {
      name: 'user-assigned by resource id',
      identity: { type: 'managed', resourceId: RESOURCE_ID },
      query: { mi_res_id: RESOURCE_ID },
      label: `managed identity (resource id ${RESOURCE_ID})`,
    },
  ])('$name', async ({ identity, query, label }) => {
    const exchangesBefore = world.acr.script.count(EXCHANGE_PATH);
    const { provider: p, logs } = provider(identity);
    const credential = await drive(
      world.clock,
      p.getCredential(world.acr.host, { signal: new AbortController().signal }),
    );
    expect(credential.username).toBe(ACR_REFRESH_TOKEN_USERNAME);
    expect(credential.source).toBe(`acr:${label}`);
    const call = msi.script.requests.at(-1);
    expect(call?.fields).toMatchObject({ resource: 'https://containerregistry.azure.net', ...query });
    expect(call?.headers['x-identity-header']).toBe(msi.header);
    // The exchange's tenant comes from the managed identity token's tid claim.
    const exchange = world.acr.script.requests.filter((r) => r.path === EXCHANGE_PATH);
    expect(exchange.length).toBe(exchangesBefore + 1);
    expect(exchange.at(-1)?.fields.tenant).toBe(TENANT_ID);
    expect(msi.issued.has(exchange.at(-1)?.fields.access_token ?? '')).toBe(true);
    logs.assertNoSecrets([credential.password, msi.header, ...msi.issued]);
  });

  it('an identity the endpoint does not know fails with a clear error naming it', async () => {
    const { provider: p, logs } = provider({
      type: 'managed',
      clientId: '55555555-5555-5555-5555-555555555555',
    });
    try {
      await drive(world.clock, p.getCredential(world.acr.host, { signal: new AbortController().signal }));
      expect.unreachable();
    } catch (error) {
      expect(isRegcredError(error)).toBe(true);
      if (!isRegcredError(error)) return;
      expect(error.code).toBe(ErrorCode.CredentialAuth);
      expect(error.message).toContain('managed identity (client id 55555555-5555-5555-5555-555555555555)');
    }
    logs.assertNoSecrets([msi.header, ...msi.issued]);
  });
});
