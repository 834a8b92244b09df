import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The dependency rules of STYLE.md, checked from the imports: arrows point inward, providers stand
// alone, and nothing that ships imports test or bench code.
const ROOT = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Project-relative paths of the relative imports in `file`. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? m[2] ?? '')),
  );
}

const shipped = [...sourceFiles('src'), ...sourceFiles('providers')].filter((f) => !f.endsWith('.test.ts'));

describe('layout', () => {
  it('src/core imports nothing else of the project', () => {
    const offenders = shipped
      .filter((f) => f.startsWith('src/core/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => !i.startsWith('src/core/'))
          .map((i) => `${f} → ${i}`),
      );
    expect(offenders).toEqual([]);
  });

  it('a provider imports only src/core and its own folder, never another provider', () => {
    const offenders = shipped
      .filter((f) => f.startsWith('providers/'))
      .flatMap((f) => {
        const own = f.split('/').slice(0, 2).join('/');
        return importsOf(f)
          .filter((i) => !i.startsWith('src/core/') && !i.startsWith(`${own}/`))
          .map((i) => `${f} → ${i}`);
      });
    expect(offenders).toEqual([]);
  });

  it('only src/cli knows the providers and the modes', () => {
    const offenders = shipped
      .filter((f) => f.startsWith('src/') && !f.startsWith('src/cli/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.startsWith('providers/') || i.startsWith('src/cli/'))
          .map((i) => `${f} → ${i}`),
      );
    expect(offenders).toEqual([]);
  });

  it('nothing that ships imports test or bench code', () => {
    const offenders = shipped.flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith('test/') || i.startsWith('bench/'))
        .map((i) => `${f} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the checks see the imports they are about', () => {
    expect(importsOf('src/cli/builtin-providers.ts')).toContain('providers/static/index.ts');
    expect(shipped.length).toBeGreaterThan(50);
  });
});
