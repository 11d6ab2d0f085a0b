import { activity, decryptAll, expect, expectNoHorizontalOverflow, shot, test } from './fixtures.js';

// Every view, in the dark and light themes (and the high-contrast one for the main views).
for (const theme of ['dark', 'light', 'hc'] as const) {
  test(`every view renders in the ${theme} theme`, async ({ open }) => {
    const page = await open('northwind', theme);
    await expect(page.locator('body')).toHaveClass(new RegExp(`theme-${theme}`));
    await shot(page, `view-welcome-${theme}`);
    await page.locator('vscode-tree-item[data-case]').filter({ hasText: 'approved' }).first().locator('.case-label').click();
    await expect(page.getByTestId('case-outcome')).toBeVisible();
    await shot(page, `view-cases-${theme}`);
    if (theme === 'hc') return;
    await page.keyboard.press('Control+Alt+G');
    await expect(page.getByTestId('task-graph')).toBeVisible();
    await shot(page, `view-task-graph-${theme}`);
    await activity(page, 'Board');
    await expect(page.getByTestId('board-stream').locator('tr.entry').first()).toBeVisible();
    await shot(page, `view-board-${theme}`);
    await page.getByTestId('board-stream').locator('tr.entry', { hasText: 'Artifact' }).last().click();
    await expect(page.locator('.editor:not([hidden]) .section').first()).toBeVisible();
    await expect(page.locator('.editor:not([hidden]) .json-view[data-monaco="ready"]').first()).toBeVisible();
    await shot(page, `view-entry-${theme}`);
    await activity(page, 'Agents');
    await page.locator('.sidebar vscode-button').click();
    await expect(page.locator('.agent-card').first()).toBeVisible();
    await shot(page, `view-agents-${theme}`);
    await activity(page, 'Wallet');
    await page.locator('.sidebar vscode-button').click();
    await expect(page.getByTestId('credentials').first()).toContainText('RoleCredential');
    await expect(page.getByTestId('credentials').first()).toContainText('valid');
    await shot(page, `view-wallet-${theme}`);
    await activity(page, 'Disclosure');
    await expect(page.getByTestId('disclosure-matrix')).toBeVisible();
    await shot(page, `view-disclosure-${theme}`);
    await activity(page, 'Audit');
    await expect(page.getByTestId('verdict')).toBeVisible();
    await shot(page, `view-audit-${theme}`);
    await page.locator('.panel-tab[data-panel="problems"]').click();
    await expect(page.getByTestId('problems')).toBeVisible();
    await shot(page, `view-problems-${theme}`);
    await page.keyboard.press('Control+Shift+U');
    await expect(page.getByTestId('output')).toContainText('T6');
    await shot(page, `view-output-${theme}`);
    await page.keyboard.press('Control+Shift+P');
    await expect(page.locator('.quick-pick')).toBeVisible();
    await shot(page, `view-palette-${theme}`);
    await page.keyboard.press('Escape');
  });
}

// At 1024 px (a laptop with the side bar open) every view's main content fits its editor.
test('every view fits 1024 px without horizontal overflow', async ({ open, page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await open('northwind', 'dark', 'okafor');
  const views: [string, () => Promise<void>][] = [
    // Other tests may have decided the pended case already: the pended one (or what it became) and the first.
    ['pended case', async () => void (await page.locator('vscode-tree-item[data-case]').filter({ hasText: 'pended' }).first().locator('.case-label').click(), await expect(page.locator('.editor:not([hidden])').getByTestId('decision-card').getByTestId('criteria')).toBeVisible())],
    ['approved case', async () => void (await page.locator('vscode-tree-item[data-work="decided"] .case-label').last().click(), await expect(page.locator('.editor:not([hidden])').getByTestId('criteria')).toBeVisible())],
    ['task graph', async () => void (await page.keyboard.press('Control+Alt+G'), await expect(page.getByTestId('task-graph')).toBeVisible())],
    ['claim response', async () => void (await page.locator('vscode-tree-item[data-work="decided"] .case-label').last().click(), await page.locator('.editor:not([hidden])').getByTestId('open-claim-response').click(), await expect(page.locator('.editor:not([hidden]) .json-view')).toHaveAttribute('data-monaco', 'ready'))],
    ['board', async () => void (await activity(page, 'Board'), await expect(page.getByTestId('board-stream').locator('tr.entry').first()).toBeVisible())],
    ['entry', async () => void (await page.getByTestId('board-stream').locator('tr.entry', { hasText: 'Artifact' }).last().click(), await decryptAll(page))],
    ['agents', async () => void (await activity(page, 'Agents'), await page.locator('.sidebar vscode-button').click(), await expect(page.locator('.agent-card').first()).toBeVisible())],
    ['wallet', async () => void (await activity(page, 'Wallet'), await page.locator('.sidebar vscode-button').click(), await expect(page.getByTestId('credentials').first()).toBeVisible())],
    ['disclosure', async () => void (await activity(page, 'Disclosure'), await expect(page.getByTestId('disclosure-matrix')).toBeVisible())],
    ['audit', async () => void (await activity(page, 'Audit'), await expect(page.getByTestId('verdict')).toBeVisible())],
  ];
  for (const [name, go] of views) {
    await go();
    await page.waitForTimeout(200);
    await shot(page, `1024-${name.replace(/ /g, '-')}`);
    await expectNoHorizontalOverflow(page, name);
  }
});
