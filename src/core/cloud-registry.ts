/**
 * Which cloud registry a host is, from the host name alone (PROTOCOLS.md §3, §4, §5).
 *
 * Every pattern is anchored at both ends: `123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example`,
 * `foo.azurecr.io.example` and `evilgcr.io` are not cloud registries. A `:port` is ignored and the host is
 * classified by its name: the real registries only listen on 443, and a look-alike with a port still names
 * the same cloud account, so a port changes nothing about which credentials it needs.
 */
export type CloudRegistry =
  | {
      provider: 'ecr';
      public: false;
      accountId: string;
      region: string;
      fips: boolean;
      dualStack: boolean;
      /** DNS suffix: amazonaws.com, amazonaws.com.cn, … */
      suffix: string;
    }
  | {
      provider: 'ecr';
      public: true;
      accountId: null;
      region: 'us-east-1';
      fips: false;
      dualStack: boolean;
      /** The partition's DNS suffix: ECR Public lives in the commercial partition only (`amazonaws.com`). */
      suffix: string;
    }
  | {
      provider: 'google';
      kind: 'gcr' | 'artifact-registry';
      /** The Artifact Registry location that stores the images (`us`, `europe`, `asia`, `us-central1`, …). */
      location: string;
    }
  | { provider: 'acr'; registryName: string; suffix: string };

// Region names are dash-joined alphanumeric words (`us-gov-west-1`, `eu-isoe-west-1`); no dots, so the
// suffix alternatives that follow cannot be confused with a region and matching stays linear.
const ECR_PRIVATE =
  /^(\d{12})\.dkr([.-])ecr(-fips)?\.([a-z0-9]+(?:-[a-z0-9]+)*)\.(amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|on\.aws|on\.amazonwebservices\.com\.cn|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$/;

const ECR_PUBLIC_HOSTS: ReadonlyMap<string, boolean> = new Map([
  ['public.ecr.aws', false],
  ['ecr-public.aws.com', true],
]);

// GCR hosts map to the Artifact Registry multi-region that backs them (gcr.io and eu.gcr.io are
// served from the `us` and `europe` locations).
const GCR_HOSTS: ReadonlyMap<string, string> = new Map([
  ['gcr.io', 'us'],
  ['us.gcr.io', 'us'],
  ['eu.gcr.io', 'europe'],
  ['asia.gcr.io', 'asia'],
  ['marketplace.gcr.io', 'us'],
]);

const LOCATION = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const ARTIFACT_REGISTRY = new RegExp(`^(${LOCATION})-docker\\.pkg\\.dev$`);
const ARTIFACT_REGISTRY_REGIONAL = new RegExp(`^docker\\.(${LOCATION})\\.rep\\.pkg\\.dev$`);

// ACR registry names are 5–50 alphanumeric characters; the login server is always lower case.
const ACR = /^([a-z0-9]{5,50})\.(azurecr\.(?:io|cn|us|de))$/;

const HOST_WITH_PORT = /^([^:[\]]+):\d+$/;

/** Classifies a registry host (`host[:port]`, any case) from the host alone; null when it is not a cloud registry. Never throws. */
export function detectCloudRegistry(host: string): CloudRegistry | null {
  if (typeof host !== 'string' || host.length === 0 || host.length > 300) return null;
  let name = host.toLowerCase();
  const withPort = HOST_WITH_PORT.exec(name);
  if (withPort) name = withPort[1] ?? name;

  const ecr = ECR_PRIVATE.exec(name);
  if (ecr) {
    return {
      provider: 'ecr',
      public: false,
      accountId: ecr[1] ?? '',
      region: ecr[4] ?? '',
      fips: ecr[3] !== undefined,
      dualStack: ecr[2] === '-',
      suffix: ecr[5] ?? '',
    };
  }
  const publicDualStack = ECR_PUBLIC_HOSTS.get(name);
  if (publicDualStack !== undefined) {
    return {
      provider: 'ecr',
      public: true,
      accountId: null,
      region: 'us-east-1',
      fips: false,
      dualStack: publicDualStack,
      suffix: 'amazonaws.com',
    };
  }
  const gcrLocation = GCR_HOSTS.get(name);
  if (gcrLocation !== undefined) return { provider: 'google', kind: 'gcr', location: gcrLocation };
  const ar = ARTIFACT_REGISTRY.exec(name) ?? ARTIFACT_REGISTRY_REGIONAL.exec(name);
  if (ar) return { provider: 'google', kind: 'artifact-registry', location: ar[1] ?? '' };
  const acr = ACR.exec(name);
  if (acr) return { provider: 'acr', registryName: acr[1] ?? '', suffix: acr[2] ?? '' };
  return null;
}
