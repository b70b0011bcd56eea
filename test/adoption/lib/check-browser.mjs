// Headless Chromium against the fresh app (the built frontend, served by its
// backend): sign in through the template's guest sign-in, open the sample
// entity's Network tab, and find what the tab shows for it. playwright-core
// comes from the tools folder (PLAYWRIGHT_CORE), the browser is the system's.
//
//   node check-browser.mjs <app base URL> <screenshot.png>
import { createRequire } from 'node:module';
import path from 'node:path';

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot || !process.env.PLAYWRIGHT_CORE) {
  console.error(
    'usage: PLAYWRIGHT_CORE=<dir> check-browser.mjs <base URL> <screenshot>',
  );
  process.exit(2);
}
const require = createRequire(path.join(process.env.PLAYWRIGHT_CORE, '/'));
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
});
const errors = [];
let page;
try {
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
  page.on('pageerror', e => errors.push(e.message));

  // The template's sign-in page offers the guest provider ("Enter").
  await page.goto(base);
  const enter = page.getByRole('button', { name: 'Enter' });
  await enter.click();
  await enter.waitFor({ state: 'detached' });
  console.log('signed in as guest');

  await page.goto(`${base}/catalog/default/component/checkout/network`);
  // The entity page's tabs: MUI tabs in the legacy EntityLayout, tabs or
  // links in the new frontend system's entity page.
  const tab = page
    .getByRole('tab', { name: 'Network', exact: true })
    .or(page.getByRole('link', { name: 'Network', exact: true }));
  await tab.first().waitFor();
  console.log('entity page has a Network tab');
  for (const text of [
    'Ingress: default deny',
    'Egress: default deny',
    'Outgoing: what this service may call',
  ]) {
    await page.getByText(text).first().waitFor();
    console.log(`Network tab shows "${text}"`);
  }
  const cartRow = page
    .locator('tr', { hasText: 'TCP 50051' })
    .filter({ hasText: 'Cart' })
    .first();
  await cartRow.waitFor();
  console.log('Network tab lists checkout -> Cart on TCP 50051');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
} catch (e) {
  if (page) {
    await page
      .screenshot({ path: screenshot.replace(/\.png$/, '-failed.png') })
      .catch(() => {});
    console.error(`at ${page.url()}`);
  }
  for (const m of errors) console.error(`page error: ${m}`);
  throw e;
} finally {
  await browser.close();
}
