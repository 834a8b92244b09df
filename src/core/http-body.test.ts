import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { flattenHeaders, readCapped } from './http-body.ts';

describe('readCapped', () => {
  const tooLarge = () => new Error('too large');

  it('returns every chunk, strings and bytes alike, up to the cap', async () => {
    const body = await readCapped(Readable.from(['ab', Buffer.from('cd')]), 4, tooLarge);
    expect(body.toString()).toBe('abcd');
  });

  it('throws the caller’s error at the first chunk over the cap and stops the stream', async () => {
    const stream = Readable.from(['abc', 'def', 'ghi']);
    await expect(readCapped(stream, 5, tooLarge)).rejects.toThrow('too large');
    expect(stream.destroyed).toBe(true);
  });
});

describe('flattenHeaders', () => {
  it('joins repeated headers, lower-cases names and drops absent ones', () => {
    expect(flattenHeaders({ 'Set-Cookie': ['a', 'b'], etag: '"x"', gone: undefined })).toEqual({
      'set-cookie': 'a, b',
      etag: '"x"',
    });
  });
});
