import { Page } from '@playwright/test';

/** Signs in through the development sign-in page as the named sample user. */
export async function signInAs(page: Page, displayName: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: `Sign in as ${displayName}` }).click();
  await page.getByText('Sign out', { exact: false }).waitFor();
}
