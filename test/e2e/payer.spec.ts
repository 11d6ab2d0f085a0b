import { readFileSync } from 'node:fs';
import { activity, decryptAll, expect, shot, test } from './fixtures.js';

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
    // The legend has colours, the graph fits its editor (nothing clipped), and zooms.
    await expect(page.locator('.legend-item.done .swatch')).not.toHaveCSS('background-color', 'rgba(0, 0, 0, 0)');
    await expect(page.locator('.legend-item.gapnode .swatch')).not.toHaveCSS('background-color', 'rgba(0, 0, 0, 0)');
    const fit = await page
      .getByTestId('task-graph')
      .evaluate((host) => ({ host: host.clientWidth, svg: host.querySelector('svg')!.getBoundingClientRect().width, scroll: host.scrollWidth }));
    expect(fit.svg).toBeLessThanOrEqual(fit.host);
    expect(fit.scroll).toBeLessThanOrEqual(fit.host + 1);
    await page.getByTestId('graph-zoom-in').click();
    await expect(page.getByTestId('task-graph')).not.toHaveAttribute('data-zoom', 'fit');
    await page.getByTestId('graph-fit').click();
    // Enter on a node opens its artifact.
    await page.getByTestId('task-graph').locator('g.node[data-node="pas-response"]').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.editor:not([hidden]) h1')).toContainText('Artifact');
    await page.locator('.tab', { hasText: 'case-' }).first().click();
    const card = page.locator('.editor:not([hidden])').getByTestId('decision-card');
    await expect(card.getByTestId('criteria').locator('tr[data-result="met"]')).not.toHaveCount(0);
    await expect(card.getByTestId('criteria').locator('tr[data-result="not-met"], tr[data-result="missing"]')).toHaveCount(0);
    await expect(card.getByTestId('review-action')).toContainText('A1');
    await expect(card.getByTestId('caveats')).toContainText('CYP2D6');
    await shot(page, 'payer-decision-card-approved');
    // View source: the determination entry, every section decrypted; and the lab's screen, read through a key grant.
    await card.locator('a.evidence-link', { hasText: 'View source' }).click();
    await expect(page.locator('.editor:not([hidden]) h1')).toContainText('Artifact');
    expect(await decryptAll(page)).toBe(1);
    await shot(page, 'payer-determination-source');
    await page.locator('.tab', { hasText: 'case-' }).first().click();
    await card.locator('a.evidence-link', { hasText: 'genomic screen' }).first().click();
    expect(await decryptAll(page), 'the summary, which the policy gives the payer').toBe(1);
    await shot(page, 'payer-lab-summary');
    await page.locator('.tab', { hasText: 'case-' }).first().click();
    await page.locator('.editor:not([hidden])').getByTestId('open-claim-response').click();
    const view = page.locator('.editor:not([hidden]) [data-section="claim-response"] .json-view');
    await expect(view).toContainText('ClaimResponse');
    await expect(view).toContainText('preAuthRef');
    await expect(view).toHaveAttribute('data-monaco', 'ready');
    await shot(page, 'payer-claim-response');
  });

  test('works a pended case to a decision: reads why, decides with a reason, downloads the ClaimResponse', async ({ open }) => {
    const page = await open('northwind', 'dark', 'okafor');
    // Signed in by key: the link's operator and unlock secret are gone from the address bar.
    await expect(page.getByTestId('signed-in')).toContainText('Amara Okafor');
    expect(page.url()).not.toContain('unlock');
    expect(page.url()).not.toContain('token');
    const editor = page.locator('.editor:not([hidden])');
    // The worklist: what waits, badged on the activity bar and the status bar, with its due time.
    await expect(page.getByTestId('badge-cases')).toHaveText('1');
    await expect(page.getByTestId('status-worklist')).toContainText('1 to decide');
    await page.getByTestId('case-filter').selectOption('to-decide');
    await expect(page.locator('vscode-tree-item[data-case]')).toHaveCount(1);
    await expect(page.locator('vscode-tree-item[data-case]').first()).toContainText('due in 6 d');
    await shot(page, 'payer-worklist');
    await page.getByTestId('case-filter').selectOption('all');
    await page.getByTestId('case-search').fill('approved');
    await expect(page.locator('vscode-tree-item[data-case]')).toHaveCount(1);
    await page.getByTestId('case-search').fill('');
    // Enter on a case opens it; Ctrl+P goes to a case or an entry number.
    await page.locator('vscode-tree-item[data-work="decided"]').first().focus();
    await page.keyboard.press('Enter');
    await expect(editor.getByTestId('case-outcome')).toHaveText('APPROVED');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input').fill('#1 ');
    await page.keyboard.press('Enter');
    await expect(page.locator('.editor:not([hidden]) h1')).toContainText('#1');
    await page.locator('vscode-tree-item[data-work="to-decide"] .case-label').click();
    await expect(editor.getByTestId('case-outcome')).toHaveText('PENDED');
    const card = editor.getByTestId('decision-card');
    await expect(card.getByTestId('criteria').locator('tr[data-criterion="aav9-titer"]')).toHaveAttribute('data-result', /missing|review/);
    await expect(card.getByTestId('missing-documents')).toContainText('LOINC 11502-2');
    await expect(card.getByTestId('review-action')).toContainText('A4');
    const form = editor.getByTestId('adjudication');
    await expect(form).toBeVisible();
    await shot(page, 'payer-pended-case');
    // No reason, no decision; a final decision asks first.
    await form.getByTestId('approve').click();
    await expect(form.getByTestId('adjudication-error')).toContainText('reason code');
    await expect(form.getByTestId('confirm')).toBeHidden();
    await form.getByTestId('reason-code').locator('input').fill('titer-documented');
    await form.getByTestId('approve').click();
    await expect(form.getByTestId('confirm')).toContainText('for good');
    await shot(page, 'payer-confirm-decision');
    await form.getByTestId('cancel-decision').click();
    await expect(editor.getByTestId('case-outcome')).toHaveText('PENDED');
    await form.getByTestId('approve').click();
    await form.getByTestId('confirm-decision').click();
    await expect(editor.getByTestId('case-adjudication')).toContainText('APPROVED (titer-documented)');
    await expect(editor.getByTestId('adjudication')).toHaveCount(0);
    await expect(page.getByTestId('badge-cases')).toHaveText('');
    // The current outcome everywhere: title, outcome, tree; the coalition's is kept in words.
    await expect(editor.getByTestId('case-outcome')).toHaveText('APPROVED');
    await expect(editor.getByTestId('case-title')).toContainText('APPROVED');
    await expect(editor.getByTestId('case-decided')).toContainText('decided by Amara Okafor');
    await expect(editor.getByTestId('case-decided')).toContainText('coalition said PENDED');
    await editor.evaluate((el) => el.scrollTo(0, 0));
    await expect(page.locator('vscode-tree-item[data-case]').filter({ hasText: 'was pended' })).toHaveCount(1);
    await expect(card.getByTestId('review-action')).toContainText('A1');
    await shot(page, 'payer-decided-case');
    await editor.getByTestId('open-claim-response').click();
    await expect(page.locator('.editor:not([hidden])').getByTestId('claim-response-version')).toContainText("operator's decision");
    const download = page.waitForEvent('download');
    await page.locator('.editor:not([hidden])').getByTestId('download-claim-response').click();
    const file = await (await download).path();
    const cr = JSON.parse(readFileSync(file, 'utf8')) as { resourceType: string; outcome: string; preAuthRef?: string };
    expect(cr.resourceType).toBe('ClaimResponse');
    expect(cr.outcome).toBe('complete');
    expect(cr.preAuthRef).toBeTruthy();
    await shot(page, 'payer-adjudicated-claim-response');
    // Her reads are in the organization's audit trail under her name.
    await activity(page, 'Audit');
    await expect(page.getByTestId('audit-trail').getByTestId('read-for').first()).toContainText('for Amara Okafor');
    await activity(page, 'Board');
    const row = page.getByTestId('board-stream').locator('tr.entry', { hasText: 'Adjudication' });
    await expect(row).toHaveCount(1);
    // The board shows cleartext: that the operator decided; what (APPROVED) is sealed, on the case.
    await expect(row).toContainText('DECIDED');
    await expect(row.locator('.check.ok')).toHaveCount(2);
    await shot(page, 'payer-board-adjudication');
    // Signing out ends the session: the console is read-only for decisions again.
    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('signed-in')).toContainText('not signed in as an operator');
  });

  test('runs an expedited request from the command palette and sees it due on the 72 h clock', async ({ open, page }) => {
    await open('northwind');
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input').fill('run a synthetic');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input').fill('titer-1-100 (expedited)');
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-status="progress"]')).toContainText('Running case (titer-1-100, expedited)');
    await expect(page.locator('[data-status="progress"]')).toContainText('done', { timeout: 30_000 });
    await expect(page.locator('vscode-tree-item[data-case]')).toHaveCount(3);
    // The newest case: the Claim's priority stat reached the board, so its clock is the expedited one.
    const urgent = page.locator('vscode-tree-item[data-case][data-priority="expedited"]');
    await expect(urgent).toHaveCount(1);
    await expect(page.locator('vscode-tree-item[data-case][data-priority="standard"]')).toHaveCount(2);
    await urgent.locator('.case-label').click();
    const clock = page.locator('.editor:not([hidden])').getByTestId('case-clock');
    await expect(clock).toContainText('expedited · 72 h (CMS-0057-F expedited: 72 h)');
    const due = await clock.evaluate((el) => Number(el.getAttribute('data-due-at')) - Number(el.getAttribute('data-since')));
    expect(due).toBe(72 * 3_600_000);
    await shot(page, 'payer-expedited-case');
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'payer-expedited-case-1024');
  });
});
