/** A kubeconfig for KubeConfig.loadFromString: http needs insecure-skip-tls-verify, https carries the CA. */
export function kubeconfigFor(
  url: string,
  token: string,
  caPem: string | undefined,
  namespace?: string,
): string {
  const ns = namespace === undefined ? '' : `\n    namespace: ${JSON.stringify(namespace)}`;
  const trust =
    caPem === undefined
      ? 'insecure-skip-tls-verify: true'
      : `certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`;
  return `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${JSON.stringify(url)}
    ${trust}
users:
- name: fake
  user:
    token: ${JSON.stringify(token)}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake${ns}
current-context: fake
`;
}
