/** A kubeconfig for KubeConfig.loadFromString: plain http needs insecure-skip-tls-verify. */
export function kubeconfigFor(url: string, namespace?: string): string {
  const ns = namespace === undefined ? '' : `\n    namespace: ${JSON.stringify(namespace)}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${JSON.stringify(url)}
    insecure-skip-tls-verify: true
users:
- name: fake
  user:
    token: fake-token
contexts:
- name: fake
  context:
    cluster: fake
    user: fake${ns}
current-context: fake
`;
}
