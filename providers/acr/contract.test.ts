import { describeProviderContract } from '../../test/contract/provider-contract.ts';
import {
  type AzureWorld,
  SECRET_CLIENT,
  startAzureWorld,
  TENANT_ID,
} from '../../test/fakes/azure/azure-world.ts';
import acr from './index.ts';

let world: AzureWorld | undefined;

describeProviderContract({
  factory: acr,
  // Read after setup(): the authority host carries the fake's port.
  get validConfig() {
    return {
      identity: { type: 'client-secret', clientId: SECRET_CLIENT.clientId, clientSecretEnv: 'ACR_SECRET' },
      tenantId: TENANT_ID,
      authorityHost: world?.entra.authorityHost ?? 'https://login.microsoftonline.com',
      disableInstanceDiscovery: true,
    };
  },
  invalidConfigs: [
    { name: 'unknown cloud', raw: { cloud: 'germany' }, path: ['cloud'] },
    {
      name: 'client secret without a source',
      raw: { identity: { type: 'client-secret', clientId: SECRET_CLIENT.clientId } },
      path: ['identity', 'clientSecretEnv'],
    },
    { name: 'plain http authority', raw: { authorityHost: 'http://login.example' }, path: ['authorityHost'] },
  ],
  async setup() {
    const started = await startAzureWorld();
    world = started;
    // The contract runs on the system clock; the fake registry stamps tokens with the same time.
    started.clock.set(Date.now());
    return {
      host: started.acr.host,
      context: {
        dispatcher: started.dispatcher,
        env: { ACR_SECRET: SECRET_CLIENT.secret },
        configDir: started.dir,
      },
      secrets: () => [SECRET_CLIENT.secret, ...started.entra.issued, ...started.acr.issued],
      teardown: () => started.stop(),
    };
  },
});
