import { isRegcredError, type RegcredError } from '../../src/core/errors.ts';

/** The RegcredError a promise rejects with; throws when it resolves or rejects with anything else. */
export async function regcredFailure(promise: Promise<unknown>): Promise<RegcredError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRegcredError(error)) throw new Error(`expected a RegcredError, got ${String(error)}`);
  return error;
}
