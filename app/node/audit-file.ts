import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import { AuditTrail, type AuditEntry } from '../../core/access/audit.js';
import { GroupSync } from './group-sync.js';

/** Reads an audit trail file (JSON lines) as it is, without judging it: `audit verify` does that. */
export function readAuditFile(path: string): unknown[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new MurmurError('E_INPUT', `${path}: line ${i + 1} is not JSON`, { line: i + 1 });
      }
    });
}

/** A file-backed trail and the release of its file. */
export interface AuditFile {
  readonly trail: AuditTrail;
  /** Waits for the last fsync, then closes the file (idempotent). A straggler's entry after it is still written, and synced in line. */
  close(): Promise<void>;
}

/**
 * An organization's audit trail kept in a JSON-lines file: loaded and verified at start, each
 * new entry appended at once and on disk before the action it records goes on (`synced()`).
 * The fsync is the thread pool's and shared by the entries written while one runs: a blocking
 * fsync per entry held the event loop of every node in the process.
 *
 * The node closes it when it stops: a process that starts and stops nodes (a console, a test
 * suite) kept every trail's descriptor open and one exit listener per trail before.
 */
export function fileAuditTrail(path: string, org: string, clock: Clock): AuditFile {
  mkdirSync(dirname(path), { recursive: true });
  const existing = readAuditFile(path) as AuditEntry[];
  const fd = openSync(path, 'a');
  const disk = new GroupSync(fd);
  let open = true;
  const trail = new AuditTrail(
    org,
    clock,
    existing,
    (entry) => (open ? writeSync(fd, `${JSON.stringify(entry)}\n`) : appendClosed(path, `${JSON.stringify(entry)}\n`)),
    // What was written is read back, not kept: memory does not grow with the trail.
    () => readAuditFile(path) as AuditEntry[],
    () => (open ? disk.synced() : Promise.resolve()),
  );
  const release = (): void => {
    if (!open) return;
    open = false;
    process.off('exit', release);
    closeSync(fd);
  };
  process.once('exit', release);
  return {
    trail,
    async close() {
      if (!open) return;
      // An entry written but not yet synced is synced before the descriptor goes (a failed fsync is the appender's to hear).
      await disk.synced().catch(() => undefined);
      release();
    },
  };
}

/** An entry recorded after the node stopped (an action that was in flight): written and fsynced at once, nothing kept open. */
function appendClosed(path: string, line: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
