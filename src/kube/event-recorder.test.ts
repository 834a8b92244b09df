import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/fakes/log-capture.ts';
import { ErrorCode, RegcredError } from '../core/errors.ts';
import { EventRecorder } from './event-recorder.ts';
import type { EventBody } from './kube-client.ts';
import type { EventSubject } from './types.ts';

const SECRET = 'c2VjcmV0LXRva2VuLWluLWEtcmVzcG9uc2UtYm9keQ==';

describe('EventRecorder', () => {
  const cases: { name: string; subject: EventSubject; namespace: string; involvedNamespace?: string }[] = [
    {
      name: 'a Namespace (cluster-scoped) is reported in default without involvedObject.namespace',
      subject: { kind: 'Namespace', namespace: 'team-a', name: 'team-a' },
      namespace: 'default',
    },
    {
      name: 'a Secret is reported in its own namespace',
      subject: { kind: 'Secret', namespace: 'team-a', name: 'regcred', uid: 'u1' },
      namespace: 'team-a',
      involvedNamespace: 'team-a',
    },
  ];
  it.each(cases)('$name', async ({ subject, namespace, involvedNamespace }) => {
    const sent: EventBody[] = [];
    const recorder = new EventRecorder({
      client: { createEvent: async (event) => void sent.push(event) },
      reportingInstance: 'test',
    });
    await recorder.warn(subject, 'SecretWriteFailed', 'could not write');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.namespace).toBe(namespace);
    expect(sent[0]?.involvedObject.namespace).toBe(involvedNamespace);
    expect(sent[0]?.involvedObject.name).toBe(subject.name);
  });

  it('logs a refused Event at warn with its status, never the response body', async () => {
    const logs = captureLogs('debug');
    const recorder = new EventRecorder({
      client: {
        createEvent: async () => {
          throw new RegcredError(ErrorCode.KubeApi, `kubernetes create events failed: HTTP 422: ${SECRET}`, {
            details: { status: 422 },
          });
        },
      },
      reportingInstance: 'test',
      logger: logs.logger,
    });
    await recorder.warn({ kind: 'Namespace', namespace: 'a', name: 'a' }, 'SecretWriteFailed', 'x');
    const lines = logs.lines().filter((line) => String(line.msg).includes('not recorded'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.status).toBe(422);
    expect(lines[0]?.reason).toBe('SecretWriteFailed');
    logs.assertNoSecrets([SECRET]);
  });
});
