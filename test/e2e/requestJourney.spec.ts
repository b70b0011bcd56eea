import AxeBuilder from '@axe-core/playwright';
import { Browser, expect, Page, test } from '@playwright/test';
import fs from 'fs';
import git from 'isomorphic-git';
import path from 'path';
import { signInAs } from './signIn';

const artifacts = path.resolve(__dirname, '../artifacts');

/** A page signed in as the named sample user, in its own browser context. */
async function as(browser: Browser, displayName: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
  });
  const page = await context.newPage();
  await signInAs(page, displayName);
  return page;
}

/** Fails on serious or critical axe violations in the part of the page given. */
async function expectAccessible(page: Page, include: string, name: string) {
  const results = await new AxeBuilder({ page }).include(include).analyze();
  const bad = results.violations.filter(
    v => v.impact === 'serious' || v.impact === 'critical',
  );
  fs.writeFileSync(
    path.join(artifacts, `axe-${name}.json`),
    JSON.stringify(
      results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes
          .slice(0, 5)
          .map(n => ({ html: n.html, summary: n.failureSummary })),
      })),
      null,
      2,
    ),
  );
  expect(
    bad.map(
      v =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map(n => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    ),
  ).toEqual([]);
}

test('a developer requests connectivity to another team’s service; its owners consent, a platform reviewer approves and merges', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  fs.mkdirSync(artifacts, { recursive: true });

  // 1. Aisha Bello (team-checkout) asks for checkout → product-catalog (team-catalog) on TCP 8080.
  const aisha = await as(browser, 'Aisha Bello');
  await aisha.goto('/catalog/default/component/checkout/network');
  await aisha.getByRole('button', { name: 'Request connectivity' }).click();
  const dialog = aisha.getByRole('dialog', { name: 'Request connectivity' });
  await dialog.getByRole('textbox', { name: /Target entity/ }).fill('product');
  await aisha
    .getByRole('option', { name: /component:default\/product-catalog/ })
    .click();
  await dialog.getByRole('textbox', { name: /^Port/ }).fill('8080');
  await dialog
    .getByRole('textbox', { name: /Justification/ })
    .fill(
      'Checkout re-validates prices against the product catalog before it charges the card.',
    );
  await expect(dialog.getByTestId('preview-status')).toHaveText(
    'The backend would accept this request.',
    {
      timeout: 60_000,
    },
  );
  await expect(
    dialog.getByText(/kind: CiliumNetworkPolicy/).first(),
  ).toBeVisible();
  await expect(
    dialog.getByRole('list', { name: 'Connectivity diff' }),
  ).toContainText('product-catalog');
  await aisha.screenshot({
    path: path.join(artifacts, 'request-1-dialog-preview.png'),
    fullPage: true,
  });
  await expectAccessible(aisha, '[role="dialog"]', 'request-dialog');

  await dialog.getByRole('button', { name: 'Submit request' }).click();
  await expect(dialog.getByText(/was filed/)).toBeVisible();
  const id = (await dialog
    .getByRole('link', { name: /^req-/ })
    .textContent())!.trim();
  expect(id).toMatch(/^req-[0-9a-f]{8}$/);
  await aisha.screenshot({
    path: path.join(artifacts, 'request-2-filed.png'),
    fullPage: true,
  });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await aisha.getByRole('tab', { name: 'Requests' }).click();
  const row = aisha.getByRole('row', { name: new RegExp(id) });
  await expect(row).toContainText('Outgoing');
  await expect(row).toContainText('Submitted: awaiting review');
  // The requests table (the rest of the tab is checked by the Network tab's own suite).
  await expectAccessible(
    aisha,
    '[data-testid="entity-requests"]',
    'network-tab-requests',
  );

  // 2. Mei Tanaka (team-catalog, owns product-catalog) consents in her review queue.
  const mei = await as(browser, 'Mei Tanaka');
  await mei.goto('/cilium');
  await expect(
    mei.getByRole('heading', { name: new RegExp(id) }),
  ).toBeVisible();
  await mei.getByRole('button', { name: `Approve ${id}` }).click();
  const consent = mei.getByRole('dialog', { name: `Approve ${id}` });
  await consent
    .getByRole('textbox', { name: /Comment/ })
    .fill('Fine by Catalog & Discovery: read-only price lookups.');
  await consent.getByRole('button', { name: 'Approve' }).click();
  await expect(
    mei.getByText(/Destination owner consent by/).first(),
  ).toBeVisible();
  await mei.screenshot({
    path: path.join(artifacts, 'request-3-owner-consent.png'),
    fullPage: true,
  });

  // 3. Priya Raman (platform-team) reviews the diff, YAML and replay, and approves.
  const priya = await as(browser, 'Priya Raman');
  await priya.goto('/cilium');
  await expect(
    priya.getByRole('heading', { name: new RegExp(id) }),
  ).toBeVisible();
  await expect(
    priya
      .getByText(/recent flows were dropped and would become allowed/)
      .first(),
  ).toBeVisible();
  await priya.screenshot({
    path: path.join(artifacts, 'request-4-review-queue.png'),
    fullPage: true,
  });
  await expectAccessible(priya, 'main', 'review-queue');
  await priya.getByRole('button', { name: `Approve ${id}` }).click();
  // Wait for the approval's answer: leaving the page at once would cancel the
  // request in flight (it did once on a loaded machine: state stayed submitted).
  const approved = priya.waitForResponse(
    r =>
      r.url().endsWith(`/api/cilium/requests/${id}/approve`) &&
      r.request().method() === 'POST',
  );
  await priya
    .getByRole('dialog', { name: `Approve ${id}` })
    .getByRole('button', { name: 'Approve' })
    .click();
  expect((await approved).status()).toBe(200);

  // 4. Approval publishes a branch with one commit in the local GitOps repository.
  await priya.goto(`/cilium/requests/${id}`);
  await expect
    .poll(
      async () => {
        await priya.reload();
        return priya
          .getByTestId('request-state')
          .first()
          .textContent({ timeout: 30_000 });
      },
      { timeout: 90_000, intervals: [2_000] },
    )
    .toBe('Published: awaiting merge');
  const publication = priya.getByTestId('publication');
  await expect(publication).toContainText(
    `Branch netpol/${id} on local-git (open)`,
  );
  await priya.screenshot({
    path: path.join(artifacts, 'request-5-published.png'),
    fullPage: true,
  });

  const response = await priya.request.get(
    `http://localhost:7007/api/cilium/requests/${id}`,
    {
      headers: { authorization: `Bearer ${await token(priya)}` },
    },
  );
  const stored = await response.json();
  const gitdir = String(stored.publication.url)
    .replace(/^file:\/\//, '')
    .replace(/#.*$/, '');
  const branchHead = await git.resolveRef({
    fs,
    gitdir,
    ref: `refs/heads/netpol/${id}`,
  });
  const [commit] = await git.log({ fs, gitdir, ref: branchHead, depth: 1 });
  expect(commit.commit.message).toContain(id);
  for (const p of stored.policies as Array<{ path: string }>) {
    const { blob } = await git.readBlob({
      fs,
      gitdir,
      oid: branchHead,
      filepath: p.path,
    });
    expect(Buffer.from(blob).toString('utf8')).toContain(
      `cilium.backstage.io/request-id: ${id}`,
    );
  }

  // 5. The reviewer merges in the portal: main contains the policies.
  await priya.getByRole('button', { name: `Merge ${id}` }).click();
  await priya
    .getByRole('dialog', { name: `Merge ${id}` })
    .getByRole('button', { name: 'Merge' })
    .click();
  await expect(priya.getByTestId('request-state').first()).toHaveText(
    /Merged|Enforced/,
  );
  const mainHead = await git.resolveRef({ fs, gitdir, ref: 'refs/heads/main' });
  const files = await git.listFiles({ fs, gitdir, ref: mainHead });
  for (const p of stored.policies as Array<{ path: string }>)
    expect(files).toContain(p.path);
  await expect(priya.getByRole('list', { name: 'Timeline' })).toContainText(
    'merged',
  );
  await priya.screenshot({
    path: path.join(artifacts, 'request-6-merged.png'),
    fullPage: true,
  });
  await expectAccessible(priya, 'main', 'request-page');

  // 6. The cluster's policy source is the GitOps repository's main branch: the request becomes enforced,
  //    the Network tab lists the new allowed edge, and the stand-in (following the same branch) forwards
  //    the flows it dropped before.
  await expect
    .poll(
      async () => {
        await priya.reload();
        return priya
          .getByTestId('request-state')
          .first()
          .textContent({ timeout: 30_000 });
      },
      { timeout: 90_000, intervals: [3_000] },
    )
    .toMatch(/^Enforced/);
  await expect(priya.getByRole('list', { name: 'Timeline' })).toContainText(
    'now contains the policies',
  );
  await priya.screenshot({
    path: path.join(artifacts, 'request-7-enforced.png'),
    fullPage: true,
  });

  await aisha.goto('/catalog/default/component/checkout/network');
  await expect(
    aisha
      .getByTestId('allowed-egress')
      .getByRole('row', { name: /product-catalog.*8080/ }),
  ).toBeVisible({ timeout: 60_000 });
  await aisha.screenshot({
    path: path.join(artifacts, 'request-8-allowed-edge.png'),
    fullPage: true,
  });
  await aisha.getByRole('tab', { name: 'Live traffic' }).click();
  await aisha.getByLabel('Filter by peer').fill('product-catalog');
  await expect(
    aisha.getByTestId('flow-row').filter({ hasText: 'FORWARDED' }).first(),
  ).toBeVisible({
    timeout: 90_000,
  });
  await aisha.screenshot({
    path: path.join(artifacts, 'request-9-forwarded.png'),
    fullPage: true,
  });
});

/** A Backstage token of a sample user, from the development sign-in provider. */
async function token(page: Page, user = 'priya.raman'): Promise<string> {
  const res = await page.request.get(
    'http://localhost:7007/api/auth/dev/refresh?env=development',
    {
      headers: { 'x-requested-with': 'XMLHttpRequest', 'x-dev-user': user },
    },
  );
  const body = await res.json();
  return body.backstageIdentity.token;
}
