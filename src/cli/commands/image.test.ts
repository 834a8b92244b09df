import { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliEnvironment } from '../cli-environment.ts';
import { registerImageCommand } from './image.ts';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface Run {
  readonly lines: Record<string, unknown>[];
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly error: unknown;
}

/** Runs `regcred ARGS` on a program holding only the image command, with in-memory streams. */
async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const env: CliEnvironment = {
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    stdin: Readable.from([]),
    env: {},
    cwd: '/',
    shutdownSignal: new AbortController().signal,
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code);
    },
    loadRuntime: () => Promise.reject(new Error('regcred image must not load the config')),
  };
  const program = new Command('regcred')
    .exitOverride()
    .configureOutput({ writeOut: (t) => env.stdout.write(t), writeErr: (t) => env.stderr.write(t) });
  registerImageCommand(program, env);
  let error: unknown;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (caught) {
    error = caught;
  }
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, stdout, stderr, exitCode, error };
}

describe('regcred image', () => {
  it('prints the normalized reference of an official image', async () => {
    const result = await run(['image', 'nginx']);
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      `${JSON.stringify({
        input: 'nginx',
        valid: true,
        registry: 'docker.io',
        repository: 'library/nginx',
        tag: 'latest',
        digest: null,
        reference: 'docker.io/library/nginx:latest',
        familiar: 'nginx:latest',
        cloud: null,
      })}\n`,
    );
  });

  const cases: [string, string, Record<string, unknown>][] = [
    [
      'digest only: tag null, reference by digest',
      `gcr.io/project/app@sha256:${SHA}`,
      {
        valid: true,
        registry: 'gcr.io',
        repository: 'project/app',
        tag: null,
        digest: `sha256:${SHA}`,
        reference: `gcr.io/project/app@sha256:${SHA}`,
        familiar: `gcr.io/project/app@sha256:${SHA}`,
        cloud: { provider: 'google', kind: 'gcr', location: 'us' },
      },
    ],
    [
      'tag and digest',
      `nginx:1.25@sha256:${SHA}`,
      { tag: '1.25', digest: `sha256:${SHA}`, reference: `docker.io/library/nginx@sha256:${SHA}` },
    ],
    [
      'ECR private',
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/team/app:1',
      {
        cloud: {
          provider: 'ecr',
          public: false,
          accountId: '123456789012',
          region: 'us-gov-west-1',
          fips: true,
          dualStack: false,
          suffix: 'amazonaws.com',
        },
      },
    ],
    [
      'ECR public',
      'public.ecr.aws/nginx/nginx:stable',
      {
        cloud: {
          provider: 'ecr',
          public: true,
          accountId: null,
          region: 'us-east-1',
          fips: false,
          dualStack: false,
        },
      },
    ],
    [
      'Artifact Registry regional endpoint',
      'docker.europe-west1.rep.pkg.dev/p/r/app',
      { cloud: { provider: 'google', kind: 'artifact-registry', location: 'europe-west1' } },
    ],
    [
      'ACR',
      'contoso.azurecr.io/app:2',
      { cloud: { provider: 'acr', registryName: 'contoso', suffix: 'azurecr.io' } },
    ],
    ['ACR look-alike', 'contoso.azurecr.io.example/app', { valid: true, cloud: null }],
    [
      'IPv6 registry',
      '[::1]:5000/app',
      { registry: '[::1]:5000', familiar: '[::1]:5000/app:latest', cloud: null },
    ],
  ];
  it.each(cases)('%s', async (_name, input, expected) => {
    const result = await run(['image', input]);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatchObject({ input, valid: true, ...expected });
  });

  it('keeps input order, reports each invalid input and exits 1', async () => {
    const result = await run(['image', 'nginx', 'Foo/Bar', 'quay.io/team/app:v1', 'nginx@']);
    expect(result.exitCode).toBe(1);
    expect(result.lines.map((line) => [line.input, line.valid])).toEqual([
      ['nginx', true],
      ['Foo/Bar', false],
      ['quay.io/team/app:v1', true],
      ['nginx@', false],
    ]);
    expect(result.lines[1]).toEqual({
      input: 'Foo/Bar',
      valid: false,
      error: 'invalid reference "Foo/Bar": repository name must be lowercase ("Bar")',
    });
    expect(result.lines[3]).toEqual({
      input: 'nginx@',
      valid: false,
      error: 'invalid reference "nginx@": the digest after "@" is empty',
    });
  });

  it('exits 0 when every input is valid', async () => {
    const result = await run(['image', 'a', 'b/c', 'localhost:5000/d']);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toHaveLength(3);
  });

  it('accepts inputs starting with "-" after "--"', async () => {
    const result = await run(['image', '--', '-nginx', 'nginx']);
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      {
        input: '-nginx',
        valid: false,
        error:
          'invalid reference "-nginx": path component "-nginx" must start and end with a letter or digit, with only ".", "_", "__" or dashes between them',
      },
      expect.objectContaining({ input: 'nginx', valid: true }),
    ]);
  });

  it('reports empty and whitespace inputs as invalid lines', async () => {
    const result = await run(['image', '', ' nginx']);
    expect(result.exitCode).toBe(1);
    expect(result.lines).toEqual([
      { input: '', valid: false, error: 'invalid reference "": reference is empty' },
      { input: ' nginx', valid: false, error: 'invalid reference " nginx": whitespace at character 1' },
    ]);
  });

  it('needs at least one reference', async () => {
    const result = await run(['image']);
    expect(result.error).toBeDefined();
    expect(result.stderr).toContain("missing required argument 'reference'");
    expect(result.lines).toHaveLength(0);
  });
});
