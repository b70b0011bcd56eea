import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HubbleRelayClient } from '@cilium-zero-trust/plugin-cilium-node';
import type { FlowGap, LeanFlow } from '@cilium-zero-trust/plugin-cilium-node';
import { timelineUuid } from './timeline';

/**
 * Fault test: the stand-in (a separate process, the real CLI) is killed with
 * SIGKILL and restarted 10 times while flows stream. The client must reconnect,
 * resume with `since`, deliver no flow twice, miss none of the flows the
 * restarted stand-in still has, and report each gap in its status.
 */

const BIN = path.resolve(__dirname, '../bin/hubble-relay-sim');
const SEED = 'fault-test';
const RATE = 300;

function captureLines(): string {
  // A small hand-made capture (flows only); the replay puts it on the timeline.
  const lines: string[] = [];
  for (let i = 0; i < 25; i++) {
    lines.push(
      JSON.stringify({
        flow: {
          time: '2025-01-01T00:00:00Z',
          verdict: i % 5 === 0 ? 'DROPPED' : 'FORWARDED',
          ...(i % 5 === 0 ? { drop_reason_desc: 'POLICY_DENIED' } : {}),
          IP: {
            source: `10.0.0.${i + 1}`,
            destination: '10.0.1.1',
            ipVersion: 'IPv4',
          },
          l4: { TCP: { source_port: 40000 + i, destination_port: 8080 } },
          source: {
            namespace: 'shop',
            pod_name: `client-${i}`,
            labels: ['k8s:app=client'],
          },
          destination: {
            namespace: 'shop',
            pod_name: 'api-0',
            labels: ['k8s:app=api'],
          },
          Type: 'L3_L4',
          node_name: 'sim-node-1',
          is_reply: false,
        },
        node_name: 'sim-node-1',
        time: '2025-01-01T00:00:00Z',
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

function startSim(
  args: string[],
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`stand-in did not start: ${out}${err}`)),
      30000,
    );
    child.stdout!.on('data', d => {
      out += d;
      const m = /listening on .*:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', d => {
      err += d;
    });
    child.on('exit', code => {
      clearTimeout(timer);
      if (!/listening on/.test(out))
        reject(new Error(`stand-in exited (${code}): ${err}`));
    });
  });
}

/** Restarts on the same port; retries briefly if the port is not free yet. */
async function restartSim(
  args: string[],
): Promise<{ child: ChildProcess; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startSim(args);
    } catch (e) {
      lastError = e;
      await new Promise(r => setTimeout(r, 200));
    }
  }
  throw lastError;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs)
        reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('fault: stand-in killed and restarted 10 times mid-stream', () => {
  let child: ChildProcess | undefined;
  let client: HubbleRelayClient | undefined;
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-sim-fault-'));
    fs.writeFileSync(path.join(dir, 'capture.json'), captureLines());
  });

  afterAll(async () => {
    client?.close();
    if (child) await kill(child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects, resumes, never delivers a flow twice and reports every gap', async () => {
    const epoch = String(Date.now());
    const args = (port: number) => [
      'replay',
      '--replay',
      path.join(dir, 'capture.json'),
      '--listen',
      `127.0.0.1:${port}`,
      '--rate',
      String(RATE),
      '--epoch',
      epoch,
      '--seed',
      SEED,
      '--quiet',
    ];
    const first = await startSim(args(0));
    child = first.child;
    const port = first.port;

    client = new HubbleRelayClient({
      address: `127.0.0.1:${port}`,
      backoff: { initialMs: 50, maxMs: 400, jitter: 0.3 },
      // Ask for half a second more than needed, so every resume sees duplicates.
      resumeOverlapMs: 500,
    });
    const received: LeanFlow[] = [];
    const gaps: FlowGap[] = [];
    const stream = client.follow();
    stream.on('flow', f => received.push(f));
    stream.on('gap', g => gaps.push(g));
    await waitFor(() => received.length > 50, 15000, 'first flows');

    for (let i = 0; i < 10; i++) {
      const before = received.length;
      await waitFor(
        () => received.length >= before + 30,
        15000,
        `flows before kill ${i + 1}`,
      );
      await kill(child);
      await new Promise(r => setTimeout(r, 150));
      child = (await restartSim(args(port))).child;
      await waitFor(() => gaps.length === i + 1, 20000, `reconnect ${i + 1}`);
    }
    const last = received.length;
    await waitFor(
      () => received.length >= last + 30,
      15000,
      'flows after the last restart',
    );
    stream.cancel();

    // No flow delivered twice.
    const uuids = received.map(f => f.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);

    // Every flow between the first and the last one received arrived: the
    // restarted stand-in still had the downtime's flows and `since` got them.
    const indexOf = new Map<string, number>();
    for (let k = 0; k < 200000 && indexOf.size < 200000; k++) {
      indexOf.set(timelineUuid(SEED, k), k);
      if (k > received.length * 3 + 10000) break;
    }
    const ks = uuids.map(u => indexOf.get(u));
    expect(ks.every(k => k !== undefined)).toBe(true);
    const sorted = (ks as number[]).slice().sort((a, b) => a - b);
    expect(sorted[sorted.length - 1] - sorted[0] + 1).toBe(sorted.length);

    const status = stream.status();
    expect(status.connects).toBe(11);
    expect(status.gaps).toHaveLength(10);
    expect(status.duplicatesDropped).toBeGreaterThanOrEqual(10);
    expect(status.flowsReceived).toBe(received.length);
    for (const gap of status.gaps) {
      expect(gap.durationMs).toBeGreaterThan(0);
      expect(gap.lastFlowTime).toBeDefined();
      expect(gap.resumedSince).toBeDefined();
      expect(Date.parse(gap.resumedSince!)).toBeLessThan(
        Date.parse(gap.lastFlowTime!),
      );
      expect(gap.reason).toMatch(/UNAVAILABLE|ended/);
    }
    expect(status.state).toBe('stopped');
  }, 240000);
});
