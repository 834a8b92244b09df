import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.ts';
import { parseCredentialProviderRequest } from './codec.ts';

const request = (fields: Record<string, unknown>) =>
  JSON.stringify({
    kind: 'CredentialProviderRequest',
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    image: 'r.example/app',
    ...fields,
  });

describe('parseCredentialProviderRequest', () => {
  const valid = [
    { name: 'v1', text: request({}) },
    { name: 'v1beta1', text: request({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1' }) },
    { name: 'v1alpha1', text: request({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1alpha1' }) },
    {
      name: 'with a service-account token and annotations',
      text: request({ serviceAccountToken: 'eyJ.x.y', serviceAccountAnnotations: { a: 'b' } }),
    },
  ];
  for (const c of valid)
    it(`accepts ${c.name}`, () => expect(parseCredentialProviderRequest(c.text).image).toBe('r.example/app'));

  const invalid = [
    { name: 'empty stdin', text: '', want: /not JSON \(stdin was empty\)/ },
    { name: 'not JSON', text: '{kind:', want: /not JSON \(6 bytes\)/ },
    {
      name: 'the wrong kind',
      text: request({ kind: 'Pod' }),
      want: /kind: kind must be "CredentialProviderRequest"/,
    },
    {
      name: 'an unknown apiVersion',
      text: request({ apiVersion: 'v2' }),
      want: /apiVersion: apiVersion must be one of/,
    },
    { name: 'no image', text: request({ image: undefined }), want: /image: image must be a string/ },
    { name: 'an empty image', text: request({ image: '' }), want: /image: image must not be empty/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name} clearly`, () => {
      expect(() => parseCredentialProviderRequest(c.text)).toThrow(
        expect.objectContaining({
          code: ErrorCode.PluginRequestInvalid,
          message: expect.stringMatching(c.want),
        }),
      );
    });
  }

  it('never echoes the service-account token in an error', () => {
    const text = request({ kind: 'Nope', serviceAccountToken: 'sa-token-secret-value' });
    expect(() => parseCredentialProviderRequest(text)).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('sa-token-secret-value') }),
    );
  });
});
