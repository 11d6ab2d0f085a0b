import { readFileSync } from 'node:fs';
import { activity, expect, shot, test } from './fixtures.js';

// The compliance reviewer verifies the chain, sees the disclosure matrix and exports the report.
test('compliance reviewer verifies the chain, reads the matrix and exports the report', async ({ open }) => {
  const page = await open('vigilant');
  await activity(page, 'Audit');
  await page.getByTestId('verify-chain').click();
  await expect(page.getByTestId('verdict')).toContainText('Chain verified');
  await expect(page.getByTestId('merkle-root')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(page.getByTestId('audit-trail').locator('tbody tr').first()).toBeVisible();
  await shot(page, 'compliance-audit');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-report').click();
  const file = await (await download).path();
  expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
  await activity(page, 'Disclosure');
  const matrix = page.getByTestId('disclosure-matrix');
  await expect(matrix).toBeVisible();
  await expect(page.locator('.editor:not([hidden])')).toContainText('within policy');
  await expect(matrix.locator('th')).toContainText(['Data element', 'Readers (policy)', 'Northwind Health Plan', 'Evidentia', 'Helix Genomics', 'Vigilant PV']);
  await expect(matrix.locator('td.violation')).toHaveCount(0);
  await shot(page, 'compliance-disclosure');
});
