import fs from 'node:fs';
import path from 'node:path';
import { sharedAvailable, sharedPath } from '@internal/test-shared-data';
import type { GetFlowsResponseJson } from '../types';

/** The recorded `hubble observe -o json` captures in ../shared (absent in a user's fresh clone). */
export const corpusFlowsDir = sharedPath('corpus', 'cilium', 'flows');

/**
 * Every line of every capture under {@link corpusFlowsDir}, or undefined —
 * with a visible SKIPPED warning naming `testName` — when the folder is absent.
 */
export function readCorpusFlows(
  testName: string,
): GetFlowsResponseJson[] | undefined {
  if (!sharedAvailable(testName, corpusFlowsDir)) return undefined;
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.json')) files.push(p);
    }
  };
  walk(corpusFlowsDir);
  return files.flatMap(f =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter(l => l.trim())
      .map(l => JSON.parse(l)),
  );
}
