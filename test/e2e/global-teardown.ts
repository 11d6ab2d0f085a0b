import { existsSync, readFileSync } from 'node:fs';

export default function globalTeardown(): void {
  if (!existsSync('test-results/e2e-consoles.json')) return;
  const { pid } = JSON.parse(readFileSync('test-results/e2e-consoles.json', 'utf8')) as { pid: number };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}
