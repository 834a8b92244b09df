import { describe, expect, it } from 'vitest';
import type { Credential } from '../core/credential.ts';
import type { CredentialSource, RegistryEntry } from '../core/credential-source.ts';
import { ErrorCode, RegcredError } from '../core/errors.ts';
import { answerCredentialProviderRequest } from './answer.ts';
import type { CredentialProviderRequest } from './codec.ts';

const NOW = Date.UTC(2026, 10, 28, 12);
const HOUR = 3_600_000;

function source(entries: RegistryEntry[], expiresAt: Date | null): CredentialSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    registries: entries,
    match: () => entries[0],
    async getCredential(subject) {
      asked.push(subject);
      if (subject.startsWith('unknown'))
        throw new RegcredError(ErrorCode.RegistryNotConfigured, `no configured registry serves ${subject}`);
      return {
        username: 'AWS',
        password: 'pw',
        expiresAt,
        hosts: [subject.split('/')[0] ?? ''],
      } satisfies Credential;
    },
    listHosts: async () => [],
    close: async () => {},
  };
}

const request = (
  image: string,
  apiVersion: CredentialProviderRequest['apiVersion'] = 'credentialprovider.kubelet.k8s.io/v1',
): CredentialProviderRequest => ({
  kind: 'CredentialProviderRequest',
  apiVersion,
  image,
});
const options = {
  now: NOW,
  signal: new AbortController().signal,
  longLivedCacheMs: 5 * 60_000,
  expiryMarginMs: 5 * 60_000,
};
const ecrEntry = { name: 'ecr', providerId: 'ecr', hosts: ['*.dkr.ecr.*.amazonaws.com'] };
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

describe('answerCredentialProviderRequest', () => {
  const cases = [
    {
      name: 'an ECR image without tag, as the kubelet sends it',
      image: `${ECR}/app`,
      expires: new Date(NOW + 12 * HOUR),
      cache: '11h55m0s',
      key: ECR,
    },
    {
      name: 'an image with a tag',
      image: `${ECR}/team/app:1.2`,
      expires: new Date(NOW + HOUR),
      cache: '55m0s',
      key: ECR,
    },
    {
      name: 'an image by digest',
      image: `${ECR}/app@sha256:${'b'.repeat(64)}`,
      expires: new Date(NOW + HOUR),
      cache: '55m0s',
      key: ECR,
    },
    {
      name: 'a token about to expire (not cached)',
      image: `${ECR}/app`,
      expires: new Date(NOW + 60_000),
      cache: '0s',
      key: ECR,
    },
    { name: 'a long-lived credential', image: `${ECR}/app`, expires: null, cache: '5m0s', key: ECR },
  ];
  for (const c of cases) {
    it(`answers for ${c.name}`, async () => {
      const credentials = source([ecrEntry], c.expires);
      const response = await answerCredentialProviderRequest(request(c.image), credentials, options);
      expect(response).toEqual({
        kind: 'CredentialProviderResponse',
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        cacheKeyType: 'Registry',
        cacheDuration: c.cache,
        auth: { [c.key]: { username: 'AWS', password: 'pw' } },
      });
    });
  }

  it('echoes the request apiVersion', async () => {
    const response = await answerCredentialProviderRequest(
      request(`${ECR}/app`, 'credentialprovider.kubelet.k8s.io/v1beta1'),
      source([ecrEntry], null),
      options,
    );
    expect(response.apiVersion).toBe('credentialprovider.kubelet.k8s.io/v1beta1');
  });

  it('caches per image when an entry is path-scoped, so one team’s password never serves another', async () => {
    const credentials = source([{ name: 'a', providerId: 'static', hosts: ['r.example.com/team-a'] }], null);
    const response = await answerCredentialProviderRequest(
      request('r.example.com/team-a/app:1'),
      credentials,
      options,
    );
    expect(response.cacheKeyType).toBe('Image');
    expect(Object.keys(response.auth)).toEqual(['r.example.com/team-a/app']);
    expect(credentials.asked).toEqual(['r.example.com/team-a/app']);
  });

  it('passes on the error for an unconfigured registry and an invalid image', async () => {
    await expect(
      answerCredentialProviderRequest(request('unknown.example/app'), source([ecrEntry], null), options),
    ).rejects.toMatchObject({ code: ErrorCode.RegistryNotConfigured });
    await expect(
      answerCredentialProviderRequest(request('Bad Image'), source([ecrEntry], null), options),
    ).rejects.toMatchObject({ code: ErrorCode.ImageReferenceInvalid });
  });
});
