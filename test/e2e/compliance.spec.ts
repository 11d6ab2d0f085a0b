import { readFileSync } from 'node:fs';
import { activity, decryptAll, expect, shot, test } from './fixtures.js';

// The compliance reviewer verifies the board, follows a read to its credential, request and grant, and exports one case's report.
test('compliance reviewer verifies the board, traces a read to its grant and exports the report for one case', async ({ open }) => {
  const page = await open('vigilant', 'dark', 'adeyemi');
  await activity(page, 'Audit');
  await page.getByTestId('verify-chain').click();
  await expect(page.getByTestId('verdict')).toContainText('Chain verified');
  await expect(page.getByTestId('merkle-root')).toHaveText(/^[0-9a-f]{64}$/);
  const trail = page.getByTestId('audit-trail');
  await expect(trail.locator('tbody tr').first()).toBeVisible();
  // A key the pharmacovigilance firm granted or a section it read names the credential and links its request and grant.
  const read = trail.locator('tbody tr[data-kind="decrypt"]', { hasText: 'role credential' }).first();
  await expect(read).toContainText('presented in the access request');
  await expect(read.locator('a.entry-link', { hasText: 'request' })).toBeVisible();
  await shot(page, 'compliance-audit');
  await read.locator('a.entry-link', { hasText: 'grant' }).click();
  await expect(page.locator('.editor:not([hidden]) h1')).toContainText('KeyGrant');
  await decryptAll(page);
  await shot(page, 'compliance-key-grant');
  // The report for one case.
  await page.locator('.tab', { hasText: 'Audit' }).click();
  const first = await page.getByTestId('report-scope').locator('option').nth(1).getAttribute('value');
  await page.getByTestId('report-scope').selectOption(first!);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-report').click();
  const d = await download;
  expect(d.suggestedFilename()).toContain(first!);
  const pdf = readFileSync(await d.path());
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(pdf.toString('latin1')).toContain(`case ${first}`);
  // The matrix: within policy, and its cells link the requests and grants behind them.
  await activity(page, 'Disclosure');
  const matrix = page.getByTestId('disclosure-matrix');
  await expect(matrix).toBeVisible();
  await expect(page.locator('.editor:not([hidden])')).toContainText('within policy');
  await expect(matrix.locator('th')).toContainText(['Data element', 'Readers (policy)', 'Northwind Health Plan', 'Evidentia', 'Helix Genomics', 'Vigilant PV']);
  await expect(matrix.locator('td.violation')).toHaveCount(0);
  await expect(matrix.locator('a.entry-link').first()).toBeVisible();
  // The case's request row: each member read it through an AccessRequest answered by a KeyGrant, linked.
  const requestRow = matrix.locator('tbody tr', { hasText: 'case/request' });
  // (the three other members, and the payer's FormBuilder, which reads it from its PolicyReasoner)
  const requests = await requestRow.locator('a.entry-link', { hasText: 'request' }).count();
  expect(requests).toBeGreaterThanOrEqual(3);
  await expect(requestRow.locator('a.entry-link', { hasText: 'grant' })).toHaveCount(requests);
  await requestRow.locator('a.entry-link', { hasText: 'grant' }).first().click();
  await expect(page.locator('.editor:not([hidden]) h1')).toContainText('KeyGrant');
  await decryptAll(page);
  await page.locator('.tab', { hasText: 'Disclosure' }).click();
  await shot(page, 'compliance-disclosure');
});
