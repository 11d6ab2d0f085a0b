import { decryptAll, expect, shot, test } from './fixtures.js';

// The lab operator sees its claims, its artifacts and the gap it raised.
test('lab operator (Helix Genomics) sees its claims, artifacts and the gap it raised', async ({ open }) => {
  const page = await open('helix');
  const tree = page.locator('vscode-tree-item[data-case]').first();
  await expect(tree.locator('vscode-tree-item.mine')).toHaveCount(1);
  await tree.locator('.case-label').click();
  const mine = page.getByTestId('subtasks').locator('tr.mine');
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText('genomic-screening');
  await expect(mine).toContainText('GenomicsAgent');
  const gaps = page.getByTestId('gaps');
  await expect(gaps).toContainText('raised by us');
  await expect(gaps).toContainText('pgx');
  await shot(page, 'lab-case');
  // Its own artifact: every section is readable by its author.
  await mine.locator('a').click();
  await expect(page.locator('.editor:not([hidden]) h1')).toContainText('Artifact');
  const sections = page.locator('.editor:not([hidden]) .section');
  await expect(sections.first()).toBeVisible();
  await expect(page.locator('.editor:not([hidden]) .section.locked')).toHaveCount(0);
  expect(await decryptAll(page), 'detail, summary and pgx').toBe(3);
  // Monaco's stylesheet is loaded now; the activity bar keeps its 24 px icons.
  await expect(page.locator('.activity[data-view] .codicon').first()).toHaveCSS('font-size', '24px');
  await shot(page, 'lab-artifact');
  // Who read what the lab posted: its audit trail names each reader, the credential and the grant.
  await page.locator('.activity[aria-label="Audit"]').click();
  const grants = page.getByTestId('audit-trail').locator('tbody tr[data-kind="grant"]');
  await expect(grants.first()).toBeVisible();
  await expect(grants.filter({ hasText: 'PolicyReasoner' }).first()).toContainText('summary');
  await expect(grants.filter({ hasText: 'DrugInteractionAgent' }).first()).toContainText('pgx');
  await expect(grants.first()).toContainText('role credential');
  await shot(page, 'lab-who-read');
  // The Agents view shows its claims.
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input').fill('agent cards');
  await page.keyboard.press('Enter');
  await expect(page.locator('.agent-card[data-agent="GenomicsAgent"]')).toContainText('genomic-screening');
});
