import fs from 'fs/promises';
import path from 'path';
import { parseAllDocuments } from 'yaml';
import { WorkloadSummary } from '@internal/plugin-cilium-common';
import { SourceProblem, WorkloadInventory } from './types';
import { workloadFromManifest } from './workloadFromManifest';

async function listYamlFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(root, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(root, e.name);
    if (e.isDirectory()) out.push(...(await listYamlFiles(full)));
    else if (/\.ya?ml$/.test(e.name)) out.push(full);
  }
  return out;
}

/**
 * A workload inventory read from Kubernetes manifests in a folder (e.g. the
 * sample world's `examples/cluster`). Multi-document YAML and `kind: List` are
 * understood; a broken file is reported by name and the rest still load.
 * @public
 */
export class ManifestWorkloadInventory implements WorkloadInventory {
  constructor(private readonly options: { cluster: string; path: string }) {}

  async listWorkloads(): Promise<{
    workloads: WorkloadSummary[];
    problems: SourceProblem[];
  }> {
    const workloads: WorkloadSummary[] = [];
    const problems: SourceProblem[] = [];
    let files: string[];
    try {
      files = await listYamlFiles(this.options.path);
    } catch (e) {
      return {
        workloads,
        problems: [{ source: this.options.path, message: `cannot read folder: ${e.message}` }],
      };
    }
    for (const file of files) {
      const rel = path.relative(this.options.path, file);
      const text = await fs.readFile(file, 'utf8');
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0) {
          const err = doc.errors[0];
          const line = err.linePos?.[0];
          problems.push({
            source: line ? `${rel}:${line.line}:${line.col}` : rel,
            message: err.message.split('\n')[0],
          });
          continue;
        }
        const value = doc.toJS();
        const items = value?.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
        for (const item of items) {
          const w = workloadFromManifest(item, this.options.cluster, rel);
          if (!w) continue;
          if ('error' in w) problems.push({ source: rel, message: w.error });
          else workloads.push(w);
        }
      }
    }
    return { workloads, problems };
  }
}
