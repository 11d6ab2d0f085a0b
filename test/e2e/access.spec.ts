import { consoleOf, expect, shot, test } from './fixtures.js';

// An organization cannot open a section it may not read: the viewer shows a lock and the reason.
test('an organization cannot open a section it may not read', async ({ open, request }) => {
  const page = await open('evidentia');
  await page.locator('vscode-tree-item[data-case]').first().locator('.case-label').click();
  await page.getByTestId('subtasks').locator('tr[data-subtask="genomic-screening"] a').click();
  const locked = page.locator('.editor:not([hidden]) .section.locked');
  await expect(locked.first()).toBeVisible();
  await expect(locked.first().getByTestId('lock')).toHaveAttribute('data-reason', 'policy');
  await expect(locked.first()).toContainText('Not readable under the disclosure policy');
  await shot(page, 'access-locked');
  // The API refuses it too, with the reason, and without a token it refuses everything.
  const c = consoleOf('evidentia');
  const token = new URL(c.launchUrl).searchParams.get('token')!;
  const entry = await page.locator('.editor:not([hidden]) h1').textContent();
  expect(entry).toContain('Artifact');
  const board = (await (await request.get(`${c.url}api/board`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    id: string;
    kind: string;
    subtask?: string;
    sections: { name: string; readers: string[] }[];
  }[];
  const art = board.find((e) => e.kind === 'Artifact' && e.subtask === 'genomic-screening')!;
  const section = art.sections.find((s) => !s.readers.includes('evidence-synthesizer'))!;
  const res = await request.get(`${c.url}api/entries/${art.id}/sections/${section.name}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(403);
  expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe('policy');
  expect((await request.get(`${c.url}api/cases`)).status()).toBe(401);
});
