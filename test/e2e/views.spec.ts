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
    [
      'pended case',
      async () =>
        void (
          await page.locator('vscode-tree-item[data-case]').filter({ hasText: 'pended' }).first().locator('.case-label').click(),
          await expect(page.locator('.editor:not([hidden])').getByTestId('decision-card').getByTestId('criteria')).toBeVisible()
        ),
    ],
    [
      'approved case',
      async () =>
        void (
          await page.locator('vscode-tree-item[data-work="decided"] .case-label').last().click(),
          await expect(page.locator('.editor:not([hidden])').getByTestId('criteria')).toBeVisible()
        ),
    ],
    ['task graph', async () => void (await page.keyboard.press('Control+Alt+G'), await expect(page.getByTestId('task-graph')).toBeVisible())],
    [
      'claim response',
      async () =>
        void (
          await page.locator('vscode-tree-item[data-work="decided"] .case-label').last().click(),
          await page.locator('.editor:not([hidden])').getByTestId('open-claim-response').click(),
          await expect(page.locator('.editor:not([hidden]) .json-view')).toHaveAttribute('data-monaco', 'ready')
        ),
    ],
    ['board', async () => void (await activity(page, 'Board'), await expect(page.getByTestId('board-stream').locator('tr.entry').first()).toBeVisible())],
    ['entry', async () => void (await page.getByTestId('board-stream').locator('tr.entry', { hasText: 'Artifact' }).last().click(), await decryptAll(page))],
    [
      'agents',
      async () =>
        void (
          await activity(page, 'Agents'),
          await page.locator('.sidebar vscode-button').click(),
          await expect(page.locator('.agent-card').first()).toBeVisible()
        ),
    ],
    [
      'wallet',
      async () =>
        void (
          await activity(page, 'Wallet'),
          await page.locator('.sidebar vscode-button').click(),
          await expect(page.getByTestId('credentials').first()).toBeVisible()
        ),
    ],
    ['disclosure', async () => void (await activity(page, 'Disclosure'), await expect(page.getByTestId('disclosure-matrix')).toBeVisible())],
    ['audit', async () => void (await activity(page, 'Audit'), await expect(page.getByTestId('verdict')).toBeVisible())],
  ];
  for (const [name, go] of views) {
    await go();
    await page.waitForTimeout(200);
    await shot(page, `1024-${name.replace(/ /g, '-')}`);
    await expectNoHorizontalOverflow(page, name);
    // However many tabs are open, the active one is scrolled into view.
    const tab = await page.locator('.tabs').evaluate((bar) => {
      const active = bar.querySelector('.tab.active')!.getBoundingClientRect();
      const box = bar.getBoundingClientRect();
      return { left: active.left - box.left, right: box.right - active.right };
    });
    expect(tab.left, `${name}: the active tab starts inside the tab bar`).toBeGreaterThanOrEqual(-1);
    expect(tab.right, `${name}: the active tab ends inside the tab bar`).toBeGreaterThanOrEqual(-1);
  }
  // At the default side-bar width no case's label or worklist line is cut off.
  await activity(page, 'Cases');
  const cut = await page.locator('vscode-tree-item[data-case]').evaluateAll((items) =>
    items.flatMap((item) =>
      // The slotted spans ellipsize themselves, and so does the shadow part around them.
      [':scope > .case-label', ':scope > [slot="description"]'].flatMap((sel) => {
        const el = item.querySelector(sel) as typeof item | null;
        const part = item.shadowRoot?.querySelector(sel.includes('description') ? '[part="description"]' : '[part="label"]') as typeof item | null | undefined;
        const over = (x: typeof item | null | undefined): boolean => !!x && x.scrollWidth > x.clientWidth + 1;
        return over(el) || over(part) ? [`${item.getAttribute('data-case')}: ${el?.textContent ?? ''}`] : [];
      }),
    ),
  );
  expect(cut, 'tree text cut at the default side-bar width').toEqual([]);
  await shot(page, '1024-cases-tree');
  // The panes resize: the side bar by dragging its sash, the panel from the keyboard.
  const side = page.locator('.sidebar');
  const before = (await side.boundingBox())!.width;
  const sash = (await page.getByTestId('sash-side-w').boundingBox())!;
  await page.mouse.move(sash.x + 2, sash.y + 200);
  await page.mouse.down();
  await page.mouse.move(sash.x - 80, sash.y + 200, { steps: 4 });
  await page.mouse.up();
  expect((await side.boundingBox())!.width).toBeLessThan(before - 60);
  const panel = page.locator('.panel');
  const tall = (await panel.boundingBox())!.height;
  await page.getByTestId('sash-panel-h').focus();
  await page.keyboard.press('Shift+ArrowDown');
  expect((await panel.boundingBox())!.height).toBeLessThan(tall - 40);
  await shot(page, '1024-resized');
  await expectNoHorizontalOverflow(page, 'audit after resizing');
});
