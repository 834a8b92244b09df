import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function readVersion(): string {
  // src/cli/version.ts and dist/src/cli/version.js sit at different depths below package.json.
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'regcred' && pkg.version) return pkg.version;
    } catch {
      // try the next depth
    }
  }
  return '0.0.0-unknown';
}

export const VERSION: string = readVersion();
