/** One Azure cloud: where its Entra ID lives and which registry host suffix belongs to it. */
export interface AzureCloud {
  readonly name: AzureCloudName;
  /** Entra ID authority host. */
  readonly authorityHost: string;
  /** Registry host suffix (`.azurecr.io`). */
  readonly registrySuffix: string;
}

export const AZURE_CLOUD_NAMES = ['public', 'china', 'usgovernment'] as const;
export type AzureCloudName = (typeof AZURE_CLOUD_NAMES)[number];

export const AZURE_CLOUDS: Readonly<Record<AzureCloudName, AzureCloud>> = {
  public: {
    name: 'public',
    authorityHost: 'https://login.microsoftonline.com',
    registrySuffix: '.azurecr.io',
  },
  china: { name: 'china', authorityHost: 'https://login.chinacloudapi.cn', registrySuffix: '.azurecr.cn' },
  usgovernment: {
    name: 'usgovernment',
    authorityHost: 'https://login.microsoftonline.us',
    registrySuffix: '.azurecr.us',
  },
};

/**
 * ACR accepts Entra tokens for this audience in every cloud (the ARM audience works too but grants
 * far more than pulling images).
 */
export const DEFAULT_ACR_SCOPE = 'https://containerregistry.azure.net/.default';

/** ACR registry names: 5–50 alphanumerics; the login server may carry a geo-replica or data endpoint label. */
const REGISTRY_HOST = /^[a-z0-9]{5,50}(?:\.[a-z0-9-]+){0,2}\.azurecr\.(io|cn|us)$/;

/**
 * The cloud a registry host belongs to, by its suffix (anchored at both ends, so
 * `x.azurecr.io.example` matches nothing), or undefined for other hosts.
 */
export function cloudForHost(host: string): AzureCloud | undefined {
  const bare = host.toLowerCase().replace(/:\d+$/, '');
  const match = REGISTRY_HOST.exec(bare);
  if (!match) return undefined;
  switch (match[1]) {
    case 'cn':
      return AZURE_CLOUDS.china;
    case 'us':
      return AZURE_CLOUDS.usgovernment;
    default:
      return AZURE_CLOUDS.public;
  }
}
