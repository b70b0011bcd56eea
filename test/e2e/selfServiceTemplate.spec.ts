import { Browser, expect, Page, test } from '@playwright/test';
import { signInAs } from './signIn';

/** A page signed in as the named sample user, in its own browser context. */
async function as(browser: Browser, displayName: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
  });
  const page = await context.newPage();
  await signInAs(page, displayName);
  return page;
}

test('a developer files a connectivity request through the Software Template; it waits in the platform review queue', async ({
  browser,
}) => {
  // Generous: the scaffolder task, the backend's generation and tests and two
  // sign-ins share a busy machine.
  test.setTimeout(480_000);

  // 1. Marcus Chen (team-checkout) runs "Request network connectivity" from /create.
  const marcus = await as(browser, 'Marcus Chen');
  await marcus.goto('/create');
  const card = marcus
    .getByRole('article')
    .filter({ hasText: 'Request network connectivity' });
  await card.getByRole('button', { name: 'Choose' }).click();

  // The source list holds only the entities Marcus's team owns.
  const source = marcus.getByRole('textbox', { name: 'Source' });
  await source.click();
  await expect(
    marcus.getByRole('option', { name: /checkout/i }).first(),
  ).toBeVisible();
  await expect(
    marcus.getByRole('option', { name: /Product Catalog/i }),
  ).toHaveCount(0);
  await source.fill('checkout');
  await marcus
    .getByRole('option', { name: /^checkout|Checkout/ })
    .first()
    .click();

  const destination = marcus.getByRole('textbox', { name: 'Destination' });
  await destination.click();
  await destination.fill('payments');
  await marcus
    .getByRole('option', { name: /payments/i })
    .first()
    .click();
  await marcus.getByRole('spinbutton', { name: /Port/ }).fill('8443');
  await marcus.getByRole('button', { name: 'Next' }).click();

  await marcus
    .getByRole('textbox', { name: /Justification/ })
    .fill(
      'Checkout takes card payments through the payments service (via the template).',
    );
  await marcus.getByRole('button', { name: 'Review' }).click();
  await marcus.getByRole('button', { name: 'Create' }).click();

  // 2. The task files the request and links to it.
  const open = marcus.getByRole('link', { name: 'Open the request' });
  await expect(open).toBeVisible({ timeout: 90_000 });
  const href = await open.getAttribute('href');
  const id = /\/requests\/(req-[0-9a-f]{8})$/.exec(href ?? '')?.[1];
  expect(id, `request link ${href}`).toBeTruthy();
  await open.click();
  await expect(
    marcus.getByRole('heading', { name: id!, exact: true }),
  ).toBeVisible();
  await expect(marcus.getByText('submitted').first()).toBeVisible();

  // 3. Priya Raman (platform-team) finds it in her review queue.
  const priya = await as(browser, 'Priya Raman');
  await priya.goto('/cilium');
  await expect(
    priya.getByRole('heading', { name: new RegExp(id!) }),
  ).toBeVisible();
  await expect(
    priya
      .getByText(
        'Checkout takes card payments through the payments service (via the template).',
      )
      .first(),
  ).toBeVisible();
  await expect(
    priya.getByRole('button', { name: `Approve ${id}` }),
  ).toBeVisible();
});
