import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openInBrowser } from '../../app/cli/consoles.js';

test('opening a browser reports failure where there is none: no display, or no opener', async () => {
  assert.equal(await openInBrowser('http://127.0.0.1:1/', {}, 'linux'), false, 'Linux without DISPLAY or WAYLAND_DISPLAY has no browser to open');
  assert.equal(await openInBrowser('http://127.0.0.1:1/', { DISPLAY: ':99', PATH: '/nonexistent' }, 'linux'), false, 'no xdg-open on the PATH');
});
