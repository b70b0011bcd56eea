import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import path from 'path';
import { signInAs } from './signIn';

const artifacts = path.resolve(__dirname, '../artifacts');

// checkout runs in dev (its default) and prod (cilium.backstage.io/cluster:
// dev,prod). dev's policies let it call cart, inventory and orders; prod's
// (examples/gitops/clusters/prod/policies) only cart, so the prod stand-in's
// checkout → orders flows are dropped there.
test('a service in dev and prod: switching cluster shows the cluster’s policies and live flows, and the URL keeps it', async ({
  page,
}) => {
  await signInAs(page, 'Aisha Bello');
  await page.goto('/catalog/default/component/checkout/network');

  const cluster = page.getByLabel('Cluster', { exact: true });
  await expect(cluster).toHaveValue('dev');
  const outgoing = page.getByTestId('allowed-egress');
  await expect(
    outgoing.locator('tr', { hasText: 'Orders' }).first(),
  ).toBeVisible();
  await expect(
    outgoing.locator('tr', { hasText: 'Cart' }).first(),
  ).toBeVisible();

  await cluster.selectOption('prod');
  await expect(page).toHaveURL(/[?&]cluster=prod\b/);
  await expect(page.getByText('Cluster prod', { exact: true })).toBeVisible();
  // prod's policies: cart still, orders not (shown in dev, not in prod).
  await expect(
    outgoing.locator('tr', { hasText: 'Cart' }).first(),
  ).toBeVisible();
  await expect(outgoing.locator('tr', { hasText: 'Orders' })).toHaveCount(0);
  await page.screenshot({
    path: path.join(artifacts, 'network-tab-cluster-prod.png'),
    fullPage: true,
  });

  // prod's live flows: checkout → orders is dropped there.
  // The selector passes axe (a labelled control, no serious violation).
  const axe = await new AxeBuilder({ page })
    .include('#cilium-cluster-select')
    .analyze();
  expect(
    axe.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => `${v.id}: ${v.help}`),
  ).toEqual([]);

  await page.getByRole('tab', { name: 'Live traffic' }).click();
  await expect(page.getByText('Live traffic in prod')).toBeVisible();
  await expect(page.getByTestId('flow-row').first()).toBeVisible({
    timeout: 60_000,
  });
  await page.getByLabel('Filter by peer').fill('orders');
  const droppedToOrders = page
    .getByTestId('flow-row')
    .filter({ hasText: 'DROPPED' })
    .first();
  await expect(droppedToOrders).toBeVisible({ timeout: 60_000 });
  await expect(droppedToOrders).toContainText('POLICY_DENIED');

  // A link (here: a reload) opens the same cluster.
  await page.reload();
  await expect(page.getByLabel('Cluster', { exact: true })).toHaveValue('prod');
  await expect(page.getByText('Cluster prod', { exact: true })).toBeVisible();

  // Back to dev: orders is allowed again, and its flows are forwarded.
  await page.getByLabel('Cluster', { exact: true }).selectOption('dev');
  await expect(page).toHaveURL(/[?&]cluster=dev\b/);
  await expect(
    page
      .getByTestId('allowed-egress')
      .locator('tr', { hasText: 'Orders' })
      .first(),
  ).toBeVisible();
  await page.getByRole('tab', { name: 'Live traffic' }).click();
  await expect(page.getByText('Live traffic in dev')).toBeVisible();
  await page.getByLabel('Filter by peer').fill('orders');
  await expect(
    page.getByTestId('flow-row').filter({ hasText: 'FORWARDED' }).first(),
  ).toBeVisible({ timeout: 60_000 });
});

test('the platform page covers both clusters', async ({ page }) => {
  await signInAs(page, 'Aisha Bello');
  await page.goto('/cilium?tab=overview');
  // Drops and default deny over time: one card per configured cluster.
  for (const cluster of ['dev', 'prod']) {
    await expect(
      page
        .getByTestId(`cluster-traffic-${cluster}`)
        .getByText(/Last 60 minutes: [\d,]+ dropped of [\d,]+ flows\./),
    ).toBeVisible({ timeout: 60_000 });
  }
  // The overview counts checkout, cart and cart-redis in prod as well.
  await expect(
    page.getByText(/Workloads of \d+ annotated components in 2 clusters\./),
  ).toBeVisible({ timeout: 60_000 });
  await expect(
    page
      .getByTestId('coverage-prod')
      .getByText(/\(\d+ of [1-9]\d* workloads under default deny\)/)
      .first(),
  ).toBeVisible();
});

test('a request for both clusters previews one policy set per cluster', async ({
  page,
}) => {
  await signInAs(page, 'Aisha Bello');
  await page.goto('/catalog/default/component/checkout/network?cluster=prod');
  await expect(page.getByText('Cluster prod', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Request connectivity' }).click();
  const dialog = page.getByRole('dialog', { name: 'Request connectivity' });
  // The tab's cluster is checked; dev is offered.
  const clusters = dialog.getByRole('group', { name: 'Clusters' });
  await expect(clusters.getByRole('checkbox', { name: 'prod' })).toBeChecked();
  await expect(
    clusters.getByRole('checkbox', { name: 'dev' }),
  ).not.toBeChecked();
  await clusters.getByRole('checkbox', { name: 'dev' }).check();

  await dialog.getByRole('textbox', { name: /Target entity/ }).fill('redis');
  await page
    .getByRole('option', { name: /component:default\/cart-redis/ })
    .click();
  await dialog.getByRole('textbox', { name: /^Port/ }).fill('6379');
  await dialog
    .getByRole('textbox', { name: /Justification/ })
    .fill('Checkout reads the cart snapshot straight from Redis at payment.');
  await expect(dialog.getByTestId('preview-status')).toHaveText(
    /The backend would (accept|refuse) this request/,
    { timeout: 60_000 },
  );
  for (const cluster of ['dev', 'prod']) {
    await expect(
      dialog.getByRole('region', { name: `Policies for cluster ${cluster}` }),
    ).toBeVisible();
  }
  await expect(
    dialog
      .getByRole('region', { name: 'Policies for cluster prod' })
      .getByText(/^clusters\/prod\//)
      .first(),
  ).toBeVisible();
  await page.screenshot({
    path: path.join(artifacts, 'request-dialog-two-clusters.png'),
    fullPage: true,
  });
});
