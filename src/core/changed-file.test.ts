import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangedFile } from './changed-file.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regcred-changed-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function counted(path: string) {
  let parses = 0;
  const file = new ChangedFile(
    path,
    (text) => {
      parses++;
      if (text === '') throw new Error('empty');
      return text.toUpperCase();
    },
    (error) => new Error(`cannot read: ${(error as { code?: string }).code}`),
  );
  return { file, parses: () => parses };
}

describe('ChangedFile', () => {
  it('parses once while the file is unchanged and again after it is replaced', async () => {
    const path = join(dir, 'secret');
    await writeFile(path, 'one');
    const { file, parses } = counted(path);
    expect(await file.read()).toBe('ONE');
    expect(await file.read()).toBe('ONE');
    expect(parses()).toBe(1);
    await rm(path);
    await writeFile(path, 'rotated');
    expect(await file.read()).toBe('ROTATED');
    expect(parses()).toBe(2);
  });

  it('caches nothing when parsing fails, and maps fs failures through fail()', async () => {
    const path = join(dir, 'secret');
    await writeFile(path, '');
    const { file, parses } = counted(path);
    await expect(file.read()).rejects.toThrow('empty');
    await expect(file.read()).rejects.toThrow('empty');
    expect(parses()).toBe(2);
    await rm(path);
    await expect(file.read()).rejects.toThrow('cannot read: ENOENT');
  });
});
