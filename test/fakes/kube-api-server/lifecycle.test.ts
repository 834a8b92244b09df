import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('close() leaves nothing that keeps the process alive (watches, bookmarks, namespace timers, delayed requests)', async () => {
  const script = fileURLToPath(new URL('./fixtures/exit-after-close.ts', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  // A bound, not a speed assertion: without the fix the child would wait for the 60 s timers.
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(killer);
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(JSON.parse(out)).toEqual({ slow: 'failed', watchDone: true });
});
