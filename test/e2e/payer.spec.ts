import { activity, expect, shot, test } from './fixtures.js';

// The payer operator follows the reference case to its ClaimResponse and acts on a pended case.
test.describe('payer operator (Northwind Health Plan)', () => {
  test('follows the reference case to its ClaimResponse', async ({ open }) => {
    const page = await open('northwind');
    const approved = page.locator('vscode-tree-item[data-case]').filter({ hasText: 'approved' }).first().locator('.case-label');
    await expect(approved).toBeVisible();
    await approved.click();
    await expect(page.getByTestId('case-outcome')).toHaveText('APPROVED');
    await expect(page.getByTestId('subtasks').locator('tr[data-subtask]')).toHaveCount(6);
    await expect(page.locator('.breadcrumbs')).toContainText('Cases');
    await page.locator('.editor:not([hidden]) vscode-button', { hasText: 'Task graph' }).click();
    await expect(page.getByTestId('task-graph').locator('g.node.done')).toHaveCount(6);
    await expect(page.getByTestId('task-graph').locator('g.gapnode')).toHaveCount(1);
    await shot(page, 'payer-task-graph');
    await page.locator('.tab', { hasText: 'case-' }).first().click();
    await page.getByTestId('open-claim-response').click();
    const view = page.locator('.editor:not([hidden]) [data-section="claim-response"] .json-view');
    await expect(view).toContainText('ClaimResponse');
    await expect(view).toContainText('preAuthRef');
    await expect(view).toHaveAttribute('data-monaco', 'ready');
    await shot(page, 'payer-claim-response');
  });

  test('acts on a pended case: the decision is a signed entry on the board', async ({ open }) => {
    const page = await open('northwind');
    await page.locator('vscode-tree-item[data-case]').filter({ hasText: 'pended' }).first().locator('.case-label').click();
    await expect(page.getByTestId('case-outcome')).toHaveText('PENDED');
    const form = page.getByTestId('adjudication');
    await expect(form).toBeVisible();
    await shot(page, 'payer-pended-case');
    await form.getByTestId('reason-code').locator('input').fill('titer-documented');
    await form.getByTestId('approve').click();
    await expect(page.getByTestId('case-adjudication')).toContainText('APPROVED (titer-documented)');
    await expect(page.getByTestId('adjudication')).toHaveCount(0);
    await activity(page, 'Board');
    const row = page.getByTestId('board-stream').locator('tr.entry', { hasText: 'Adjudication' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('APPROVED');
    await expect(row.locator('.check.ok')).toHaveCount(2);
    await shot(page, 'payer-board-adjudication');
  });

  test('runs a synthetic case with progress, from the command palette', async ({ open, page }) => {
    await open('northwind');
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input').fill('run a synthetic');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input').fill('titer-1-100');
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-status="progress"]')).toContainText('Running case (titer-1-100)');
    await expect(page.locator('[data-status="progress"]')).toContainText('done', { timeout: 30_000 });
    await expect(page.locator('vscode-tree-item[data-case]')).toHaveCount(3);
  });
});
