import { expect, test } from '@playwright/test';
import path from 'path';
import { signInAs } from './signIn';

const artifacts = path.resolve(__dirname, '../artifacts');

test('a service owner sees the workloads and live traffic of their service, drops included', async ({ page }) => {
  await signInAs(page, 'Aisha Bello');
  await page.goto('/catalog/default/component/checkout/network');

  await expect(page.getByText('Workload identity')).toBeVisible();
  await expect(page.getByText('app.kubernetes.io/name=checkout')).toBeVisible();
  await expect(page.getByText('Matching workloads in checkout')).toBeVisible();

  // Live flows arrive: the number of rows grows.
  const rows = page.getByTestId('flow-row');
  await expect(rows.first()).toBeVisible();
  const before = await rows.count();
  await expect.poll(async () => rows.count(), { timeout: 30_000 }).toBeGreaterThan(before);

  // checkout → payments on 8443 is not allowed by any policy: it shows as a drop with its reason.
  await page.getByLabel('Filter by peer').fill('payments');
  const dropped = page.getByTestId('flow-row').filter({ hasText: 'DROPPED' }).first();
  await expect(dropped).toBeVisible({ timeout: 60_000 });
  await expect(dropped).toContainText('POLICY_DENIED');
  await page.screenshot({ path: path.join(artifacts, 'network-tab-live-traffic.png'), fullPage: true });
});

test('an entity without Kubernetes annotations explains what to add', async ({ page }) => {
  await signInAs(page, 'Aisha Bello');
  await page.goto('/catalog/default/component/shop-ui-kit/network');
  await expect(page.getByText('This entity is not mapped to Kubernetes workloads')).toBeVisible();
  await expect(page.getByText('backstage.io/kubernetes-label-selector', { exact: false }).first()).toBeVisible();
});
