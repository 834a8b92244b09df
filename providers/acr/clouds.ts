import { detectCloudRegistry } from '../../src/core/cloud-registry.ts';

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

const CLOUD_BY_SUFFIX: Readonly<Record<string, AzureCloudName>> = {
  'azurecr.io': 'public',
  'azurecr.cn': 'china',
  'azurecr.us': 'usgovernment',
};

/**
 * The cloud an ACR login server belongs to, by its suffix (core's anchored classifier, so
 * `x.azurecr.io.example` matches nothing), or undefined for other hosts. `azurecr.de` (the retired
 * Azure Germany cloud) has no Entra authority any more and yields undefined.
 */
export function cloudForHost(host: string): AzureCloud | undefined {
  const detected = detectCloudRegistry(host);
  if (detected?.provider !== 'acr') return undefined;
  const name = CLOUD_BY_SUFFIX[detected.suffix];
  return name === undefined ? undefined : AZURE_CLOUDS[name];
}
