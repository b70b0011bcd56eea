import * as fs from 'fs';
import * as path from 'path';

/** `../shared` next to the repository root (absent in a fresh clone). */
export const SHARED_DIR = path.resolve(__dirname, '../../../../../shared');
export const ORACLE_DIR = path.join(SHARED_DIR, 'oracle');
export const CORPUS_DIR = path.join(SHARED_DIR, 'corpus');

/** True when the shared oracle/corpus folder exists; warns visibly otherwise. */
export function sharedAvailable(what: string, dir: string): boolean {
  if (fs.existsSync(dir)) return true;
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${what}: ${dir} is absent (fresh clone without ../shared)`);
  return false;
}
