import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '../core/errors.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:5000`, `[::1]:5000`, `localhost:0`. Throws ConfigError naming `proxy.<key>`. */
export function parseListenAddress(value: string, key: 'listen' | 'metricsListen'): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError([{ path: ['proxy', key], message: `must be host:port, got "${value}"` }]);
  }
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  if (isIPv6(host)) return host === '::1' || host.toLowerCase().startsWith('::ffff:127.');
  return false;
}

/** A client allow-list from CIDRs; `allows` takes the socket's remote address (IPv4-mapped IPv6 too). */
export class ClientAllowList {
  readonly #list = new BlockList();
  readonly size: number;

  /** Throws ConfigError for an entry that is not an address or CIDR. */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address = '', prefix] = cidr.split('/');
      const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
      if (type === undefined) {
        throw new ConfigError([
          { path: ['proxy', 'allowedClients'], message: `"${cidr}" is not an address or CIDR` },
        ]);
      }
      if (prefix === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(prefix), type);
    }
    this.size = cidrs.length;
  }

  allows(remoteAddress: string | undefined): boolean {
    if (remoteAddress === undefined) return false;
    if (isIPv4(remoteAddress)) return this.#list.check(remoteAddress, 'ipv4');
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)?.[1];
    if (mapped !== undefined && this.#list.check(mapped, 'ipv4')) return true;
    return isIPv6(remoteAddress) && this.#list.check(remoteAddress, 'ipv6');
  }
}
