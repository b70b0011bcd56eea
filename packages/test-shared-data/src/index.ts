/**
 * Where the tests find the reference data of `../shared` (oracles, the real
 * Cilium corpus, recorded Hubble captures). A user's fresh clone has none:
 * suites that need it are then reported as skipped, with a visible message.
 *
 * `CILIUM_SHARED_DIR` points the lookup elsewhere (CI sets it to a missing
 * folder to prove the fresh-clone path).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The shared reference folder: `$CILIUM_SHARED_DIR`, else `../shared` beside the repository. */
export const SHARED_DIR = process.env.CILIUM_SHARED_DIR
  ? path.resolve(process.env.CILIUM_SHARED_DIR)
  : path.resolve(__dirname, '../../../../shared');

/** A path inside the shared reference folder. */
export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

/** True when `file` (a path inside the shared folder) exists; prints `SKIPPED what: …` otherwise. */
export function sharedAvailable(what: string, file: string): boolean {
  if (fs.existsSync(file)) return true;
  // eslint-disable-next-line no-console
  console.warn(
    `SKIPPED ${what}: ${file} is absent (a fresh clone has no ../shared; set CILIUM_SHARED_DIR to point elsewhere)`,
  );
  return false;
}

/**
 * `describe(name, body)` when `file` exists; otherwise one skipped test that
 * keeps the suite visible in the report (and no hooks over an empty block).
 */
export function describeWithShared(
  name: string,
  file: string,
  body: () => void,
): void {
  if (sharedAvailable(name, file)) {
    describe(name, body);
  } else {
    // A visible placeholder for the suite that cannot run here.
    // eslint-disable-next-line jest/no-disabled-tests, jest/expect-expect
    it.skip(`${name} (SKIPPED: needs ${file})`, () => {});
  }
}
export { eventually } from './eventually';
export { onServerSentEvents } from './serverSentEvents';
