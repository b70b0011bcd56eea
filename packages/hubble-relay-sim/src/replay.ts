import fs from 'node:fs';
import path from 'node:path';
import type { GetFlowsResponseJson } from '@cilium-zero-trust/plugin-cilium-node';
import type { FlowGenerator } from './timeline';
import { timelineUuid } from './timeline';

/**
 * Replay of `hubble observe -o json` captures (one GetFlowsResponse per line).
 */

/**
 * Lists capture files: the given files, and `*.json`/`*.jsonl` under given folders, sorted.
 *
 * @public
 */
export function listCaptureFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
    } else if (/\.jsonl?$/.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/**
 * Reads capture lines; throws with file:line on bad JSON.
 *
 * @public
 */
export function readCaptures(paths: string[]): GetFlowsResponseJson[] {
  const lines: GetFlowsResponseJson[] = [];
  for (const file of listCaptureFiles(paths)) {
    const text = fs.readFileSync(file, 'utf8');
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        lines.push(JSON.parse(line));
      } catch (e) {
        throw new Error(`${file}:${i + 1}: ${e}`);
      }
    });
  }
  return lines;
}

/** @public */
export interface ReplayOptions {
  /**
   * `original`: send each line as captured (time, uuid, everything), once.
   * `rebase`: put each event on the stand-in's timeline (new time and uuid) and
   * loop over the capture forever.
   */
  timestamps: 'original' | 'rebase';
  /** Seed of the generated uuids in rebase mode. */
  seed?: string | number;
  /** Only replay flows (skip node_status/lost_events lines). Default false. */
  flowsOnly?: boolean;
}

/** @public */
export class ReplayGenerator implements FlowGenerator {
  private readonly lines: GetFlowsResponseJson[];

  constructor(
    lines: GetFlowsResponseJson[],
    private readonly options: ReplayOptions,
  ) {
    this.lines = options.flowsOnly ? lines.filter(l => l.flow) : lines;
    if (!this.lines.length) throw new Error('nothing to replay');
  }

  get length(): number {
    return this.lines.length;
  }

  eventAt(k: number, time: string): GetFlowsResponseJson | undefined {
    if (this.options.timestamps === 'original') {
      return this.lines[k];
    }
    const line = this.lines[k % this.lines.length];
    if (!line.flow) {
      return { ...line, time };
    }
    return {
      ...line,
      flow: {
        ...line.flow,
        time,
        uuid: timelineUuid(this.options.seed ?? 'replay', k),
      },
      time,
    };
  }
}
