import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ErrorCode, errorMessage, RegcredError } from '../core/errors.ts';

export interface LoadKubeConfigOptions {
  /** `--kubeconfig`: wins over everything. */
  readonly path?: string | undefined;
  /** `--context`: a context of the kubeconfig. */
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where in-cluster files live (tests point it at a folder). */
  readonly inClusterPrefix?: string;
}

export const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Finds the cluster like kubectl: `--kubeconfig`, else `$KUBECONFIG`, else in-cluster (service account
 * token, when `KUBERNETES_SERVICE_HOST` is set), else `~/.kube/config`. Exec credential plugins (EKS,
 * GKE, AKS) are handled by client-node. Throws `ERR_KUBE_API` when there is no cluster to talk to.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    const envPath = options.env.KUBECONFIG?.split(delimiter).find((file) => file !== '' && existsSync(file));
    const home = options.env.HOME ?? homedir();
    const defaultPath = join(home, '.kube', 'config');
    if (options.path) kc.loadFromFile(options.path);
    else if (envPath) kc.loadFromFile(envPath);
    else if (options.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster(options.inClusterPrefix);
    else if (existsSync(defaultPath)) kc.loadFromFile(defaultPath);
    else
      throw new Error(
        'no kubeconfig (--kubeconfig, $KUBECONFIG, in-cluster service account or ~/.kube/config)',
      );
    if (options.context) kc.setCurrentContext(options.context);
  } catch (error) {
    throw new RegcredError(
      ErrorCode.KubeApi,
      `cannot load Kubernetes configuration: ${errorMessage(error)}`,
      {
        retryable: false,
      },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new RegcredError(ErrorCode.KubeApi, 'the Kubernetes configuration has no current cluster', {
      retryable: false,
    });
  }
  return kc;
}
