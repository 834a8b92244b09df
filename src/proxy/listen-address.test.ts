import { describe, expect, it } from 'vitest';
import { ClientAllowList, isLoopbackHost, parseListenAddress } from './listen-address.ts';

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:5000', { host: '127.0.0.1', port: 5000 }],
    ['[::1]:5000', { host: '::1', port: 5000 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
  ])('%s', (value, expected) => {
    expect(parseListenAddress(value, 'listen')).toEqual(expected);
  });
  it.each(['5000', '127.0.0.1', '127.0.0.1:70000', 'http://x:1', '::1:5000'])('refuses %s', (value) => {
    expect(() => parseListenAddress(value, 'listen')).toThrow(/proxy.listen/);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('ClientAllowList', () => {
  const list = new ClientAllowList(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  it.each([
    ['10.1.2.3', true],
    ['::ffff:10.1.2.3', true],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['fd12::1', true],
    ['fe80::1', false],
    ['127.0.0.1', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(list.allows(address)).toBe(expected);
  });
  it('refuses a malformed entry', () => {
    expect(() => new ClientAllowList(['10.0.0.0/8', 'not-an-ip'])).toThrow(/allowedClients/);
  });
});
