import { describe, expect, it } from 'vitest';
import { cloudForHost } from './clouds.ts';

describe('cloudForHost', () => {
  it.each([
    { host: 'myregistry.azurecr.io', cloud: 'public', authority: 'https://login.microsoftonline.com' },
    { host: 'MyRegistry.AzureCR.io', cloud: 'public', authority: 'https://login.microsoftonline.com' },
    { host: 'myregistry.azurecr.io:443', cloud: 'public', authority: 'https://login.microsoftonline.com' },
    { host: 'myregistry.azurecr.cn', cloud: 'china', authority: 'https://login.chinacloudapi.cn' },
    { host: 'myregistry.azurecr.us', cloud: 'usgovernment', authority: 'https://login.microsoftonline.us' },
  ])('$host → $cloud', ({ host, cloud, authority }) => {
    expect(cloudForHost(host)?.name).toBe(cloud);
    expect(cloudForHost(host)?.authorityHost).toBe(authority);
  });

  it.each([
    'myregistry.azurecr.io.example',
    'azurecr.io',
    'evil.example/myregistry.azurecr.io',
    'my-registry.azurecr.io',
    'abc.azurecr.io',
    'mcr.microsoft.com',
    'myregistry.azurecr.de',
  ])('not ACR: %s', (host) => {
    expect(cloudForHost(host)).toBeUndefined();
  });
});
