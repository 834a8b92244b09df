import type { Command } from 'commander';
import { detectCloudRegistry } from '../../core/cloud-registry.ts';
import { errorMessage } from '../../core/errors.ts';
import { familiarName, formatReference, parseImageReference } from '../../core/image-reference.ts';
import type { CliEnvironment } from '../cli-environment.ts';

/** One output line of `regcred image`: the parsed reference, or why it is invalid. */
export type ImageReport =
  | {
      input: string;
      valid: true;
      registry: string;
      repository: string;
      tag: string | null;
      digest: string | null;
      reference: string;
      familiar: string;
      cloud: ReturnType<typeof detectCloudRegistry>;
    }
  | { input: string; valid: false; error: string };

/** Parses one reference for display; never throws. */
export function describeImage(input: string): ImageReport {
  try {
    const ref = parseImageReference(input);
    return {
      input,
      valid: true,
      registry: ref.registry,
      repository: ref.repository,
      tag: ref.tag,
      digest: ref.digest,
      reference: formatReference(ref),
      familiar: familiarName(ref),
      cloud: detectCloudRegistry(ref.registry),
    };
  } catch (error) {
    return { input, valid: false, error: errorMessage(error) };
  }
}

/** `regcred image [--] REF...`: needs no config, so it works anywhere, offline. */
export function registerImageCommand(program: Command, env: CliEnvironment): void {
  program
    .command('image')
    .description(
      'parse and normalize image references (one JSON object per line); exit status 1 if any is invalid',
    )
    .argument('<reference...>', 'image references; put "--" first when one starts with "-"')
    .action((references: string[]) => {
      let invalid = false;
      for (const input of references) {
        const report = describeImage(input);
        if (!report.valid) invalid = true;
        env.stdout.write(`${JSON.stringify(report)}\n`);
      }
      if (invalid) env.setExitCode(1);
    });
}
