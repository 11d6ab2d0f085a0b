import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';

interface Ready {
  consoles: { org: { id: string; name: string; kind: string }; url: string; launchUrl: string; operators: { id: string; name: string; launchUrl: string }[] }[];
}

export function consoles(): Ready['consoles'] {
  const { ready } = JSON.parse(readFileSync('test-results/e2e-consoles.json', 'utf8')) as { ready: string };
  return (JSON.parse(readFileSync(ready, 'utf8')) as Ready).consoles;
}

export function consoleOf(org: string): Ready['consoles'][number] {
  const c = consoles().find((x) => x.org.id === org);
  if (!c) throw new Error(`no console for ${org}`);
  return c;
}

export const SHOTS = 'test/e2e/screenshots';

/**
 * A page that fails the test on any console error or uncaught exception, and helpers to open
 * an organization's console in a theme.
 */
export const test = base.extend<{ errors: string[]; open: (org: string, theme?: 'dark' | 'light' | 'hc', operator?: string) => Promise<Page> }>({
  errors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await use(errors);
    expect(errors, 'console errors').toEqual([]);
  },
  open: async ({ page, errors }, use) => {
    void errors;
    await use(async (org, theme = 'dark', operator) => {
      const c = consoleOf(org);
      // An operator signs in with their own URL; without one the console opens read-only for decisions.
      const url = operator ? c.operators.find((x) => x.id === operator)?.launchUrl : c.launchUrl;
      if (!url) throw new Error(`no operator ${operator} in ${org}'s console`);
      await page.goto(`${url}&theme=${theme}`);
      await expect(page.locator('.statusbar')).toContainText(c.org.name);
      return page;
    });
  },
});

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

export async function activity(page: Page, title: string): Promise<void> {
  await page.locator(`.activity[aria-label="${title}"]`).click();
}

export { expect };

/**
 * Decrypts every readable section of the entry in the active editor and waits until each shows
 * in Monaco; returns how many it opened. The fixture's error check then covers the decryption.
 */
export async function decryptAll(page: Page): Promise<number> {
  const editor = page.locator('.editor:not([hidden])');
  await expect(editor.locator('.sections > *').first()).toBeVisible();
  const readable = editor.locator('.section.readable');
  const n = await readable.count();
  for (let i = 0; i < n; i++) {
    const sec = readable.nth(i);
    const button = sec.locator('.section-body > vscode-button');
    if (await button.count()) await button.click();
    await expect(sec.locator('.json-view')).toHaveAttribute('data-monaco', 'ready');
  }
  await page.waitForTimeout(300);
  return n;
}

/** The active editor's content is no wider than the editor: nothing is cut off or scrolls sideways. */
export async function expectNoHorizontalOverflow(page: Page, what: string): Promise<void> {
  const o = await page.locator('.editor:not([hidden])').evaluate((el) => ({
    scroll: el.scrollWidth,
    client: el.clientWidth,
    wide: [...el.querySelectorAll('*')]
      .filter((x) => x.getBoundingClientRect().right > el.getBoundingClientRect().right + 1 && !x.closest('.json-view'))
      .map((x) => `${x.tagName.toLowerCase()}.${String(x.className).split(' ')[0]}`)
      .slice(0, 5),
  }));
  expect(o.scroll, `${what}: content ${o.scroll} px wide in a ${o.client} px editor (${o.wide.join(', ')})`).toBeLessThanOrEqual(o.client + 1);
}
