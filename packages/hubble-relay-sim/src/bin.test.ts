import { spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../bin/hubble-relay-sim');
const examples = path.resolve(__dirname, '../../../examples');

describe('bin/hubble-relay-sim in this repository', () => {
  // What `npm start` runs: the synthetic mode over the sample world, from the
  // TypeScript sources through the repository's transform.
  it('starts synthetic traffic over a cluster folder and a policy folder', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--cluster',
        path.join(examples, 'cluster'),
        '--policies',
        path.join(examples, 'gitops/policies'),
        '--catalog',
        path.join(examples, 'catalog'),
        '--listen',
        '127.0.0.1:0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', d => {
          out += d;
          const m = /listening on [^\n]*/.exec(out);
          if (m) resolve(m[0]);
        });
        child.stderr!.on('data', d => {
          out += d;
        });
        child.on('exit', code =>
          reject(new Error(`exited with ${code} before listening: ${out}`)),
        );
      });
      expect(line).toMatch(/synthetic traffic: \d+ workloads/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60000);
});
