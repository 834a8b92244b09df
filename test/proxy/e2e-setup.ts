import { Registry } from 'prom-client';
import { Agent, type Dispatcher } from 'undici';
import { proxySchema } from '../../src/config/proxy-schema.ts';
import type { Clock } from '../../src/core/clock.ts';
import { type RunningProxy, startProxy } from '../../src/proxy/proxy-server.ts';
import { captureLogs, type LogCapture } from '../fakes/log-capture.ts';
import { FakeCredentialSource } from './fake-credential-source.ts';

export interface E2eProxy {
  proxy: RunningProxy;
  logs: LogCapture;
  dispatcher: Agent;
  credentials: FakeCredentialSource;
  stop(): Promise<void>;
}

/**
 * A regcred proxy in front of one upstream registry (`host`), reachable as alias `up` (or `alias`; prefix
 * mode) and as `?ns=host` (mirror mode), with a fake CredentialSource holding `user`.
 */
export async function startE2eProxy(options: {
  host: string;
  insecure: boolean;
  caPem?: string | undefined;
  user: { username: string; password: string };
  alias?: string;
  clock?: Clock;
  extraConfig?: Record<string, unknown>;
  /** What the proxy dispatches through, given the Agent (which `dispatcher` still exposes for its stats). */
  wrapDispatcher?: (agent: Agent) => Dispatcher;
}): Promise<E2eProxy> {
  const logs = captureLogs('debug');
  const dispatcher = new Agent({
    keepAliveTimeout: 2_000,
    ...(options.caPem === undefined ? {} : { connect: { ca: [options.caPem] } }),
  });
  const credentials = new FakeCredentialSource({ [options.host]: options.user });
  const config = proxySchema.parse({
    listen: '127.0.0.1:0',
    metricsListen: '127.0.0.1:0',
    upstreams: [{ alias: options.alias ?? 'up', registry: options.host, insecure: options.insecure }],
    ...options.extraConfig,
  });
  const proxy = await startProxy({
    config,
    credentials,
    dispatcher: options.wrapDispatcher?.(dispatcher) ?? dispatcher,
    logger: logs.logger,
    scrubber: logs.scrubber,
    registry: new Registry(),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    proxy,
    logs,
    dispatcher,
    credentials,
    async stop() {
      await proxy.close(0);
      await dispatcher.close();
    },
  };
}

export function hostOf(url: string): string {
  return new URL(url).host;
}
