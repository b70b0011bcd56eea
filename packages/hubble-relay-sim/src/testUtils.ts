import fs from 'node:fs';
import path from 'node:path';

/** ../shared next to the repository root, when present. */
export function sharedDir(): string {
  const pkg = path.dirname(
    require.resolve('@internal/hubble-relay-sim/package.json'),
  );
  return path.resolve(pkg, '../../../shared');
}

/** The recorded flow captures, or undefined (with a visible warning) when absent. */
export function corpusFlowsDir(testName: string): string | undefined {
  const dir = path.join(sharedDir(), 'corpus', 'cilium', 'flows');
  if (!fs.existsSync(dir)) {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED ${testName}: ${dir} is absent`);
    return undefined;
  }
  return dir;
}
