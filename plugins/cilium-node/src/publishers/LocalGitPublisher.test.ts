import fs from 'fs';
import os from 'os';
import path from 'path';
import { LocalGitPublisher } from './LocalGitPublisher';
import { PolicyChange } from './types';

const examples = path.resolve(__dirname, '../../../../examples/gitops');

function change(id: string, files: PolicyChange['files']): PolicyChange {
  return {
    id,
    kind: 'grant',
    title: `netpol(dev): test [${id}]`,
    summary: 'A test change.',
    requester: 'user:default/jane.doe',
    justification: 'Because the test says so.',
    files,
    diff: { added: [], removed: [] },
    findings: [],
    approvals: [{ role: 'reviewer', by: 'user:default/priya.raman' }],
  };
}

describe('LocalGitPublisher', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'local-git-')),
      'gitops.git',
    );
  });

  it('seeds a bare repository from a folder, publishes a branch per change and is idempotent', async () => {
    const git = new LocalGitPublisher({ path: dir, seedFrom: examples });
    expect(await git.readFile('policies/checkout/default-deny.yaml')).toBe(
      fs.readFileSync(
        path.join(examples, 'policies/checkout/default-deny.yaml'),
        'utf8',
      ),
    );
    expect(fs.existsSync(path.join(dir, 'HEAD'))).toBe(true);
    const a = change('req-00000001', [
      { path: 'policies/checkout/a.yaml', content: 'a: 1\n' },
    ]);
    expect(await git.publish(a)).toMatchObject({
      publisher: 'local-git',
      branch: 'netpol/req-00000001',
      state: 'open',
    });
    await git.publish(a);
    expect(
      (await git.log('netpol/req-00000001')).length -
        (await git.log('main')).length,
    ).toBe(1);
    expect((await git.log('netpol/req-00000001'))[0].message).toContain(
      'Justification: Because the test says so.',
    );
    expect(await git.branches()).toEqual(['main', 'netpol/req-00000001']);
  });

  it('merges into main (fast-forward, then a merge commit when main moved) and deletes files for removals', async () => {
    const git = new LocalGitPublisher({ path: dir, seedFrom: examples });
    const a = change('req-00000001', [
      { path: 'policies/checkout/a.yaml', content: 'a: 1\n' },
    ]);
    const b = change('req-00000002', [
      { path: 'policies/checkout/b.yaml', content: 'b: 1\n' },
    ]);
    const pa = await git.publish(a);
    const pb = await git.publish(b);
    expect((await git.merge(a, pa)).state).toBe('merged');
    expect(await git.status(pa)).toBe('merged');
    expect(await git.status(pb)).toBe('open');
    await git.merge(b, pb);
    expect(await git.readFile('policies/checkout/a.yaml')).toBe('a: 1\n');
    expect(await git.readFile('policies/checkout/b.yaml')).toBe('b: 1\n');
    expect((await git.log('main'))[0].parents).toHaveLength(2);
    await git.merge(b, pb); // idempotent

    const rm = change('req-00000001-rm', [
      { path: 'policies/checkout/a.yaml', content: null },
    ]);
    await git.merge(rm, await git.publish(rm));
    expect(await git.readFile('policies/checkout/a.yaml')).toBeUndefined();
    expect(await git.readFile('policies/checkout/b.yaml')).toBe('b: 1\n');
  });
});
