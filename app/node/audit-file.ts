import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
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

/**
 * An organization's audit trail kept in a JSON-lines file: loaded and verified at start, each
 * new entry appended at once and on disk before the action it records goes on (`synced()`).
 * The fsync is the thread pool's and shared by the entries written while one runs: a blocking
 * fsync per entry held the event loop of every node in the process.
 */
export function fileAuditTrail(path: string, org: string, clock: Clock): AuditTrail {
  mkdirSync(dirname(path), { recursive: true });
  const existing = readAuditFile(path) as AuditEntry[];
  const fd = openSync(path, 'a');
  const disk = new GroupSync(fd);
  const trail = new AuditTrail(
    org,
    clock,
    existing,
    (entry) => writeSync(fd, `${JSON.stringify(entry)}\n`),
    // What was written is read back, not kept: memory does not grow with the trail.
    () => readAuditFile(path) as AuditEntry[],
    () => disk.synced(),
  );
  process.once('exit', () => closeSync(fd));
  return trail;
}
