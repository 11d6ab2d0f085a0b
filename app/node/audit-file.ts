import { closeSync, existsSync, fsync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../core/common/clock.js';
import { MurmurError } from '../../core/common/errors.js';
import { AuditTrail, type AuditEntry } from '../../core/access/audit.js';

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
 * An organization's audit trail kept in a JSON-lines file: loaded and verified at start,
 * each new entry written at once and flushed to disk before the action it records goes on
 * (`AuditTrail.record` resolves after the flush). The entries written in one event-loop turn
 * share one fsync, run off the main thread: with four organizations' nodes in one process,
 * a blocking fsync per entry stopped every node (≈ 36 per case in the volume benchmark).
 */
export function fileAuditTrail(path: string, org: string, clock: Clock): AuditTrail {
  mkdirSync(dirname(path), { recursive: true });
  const existing = readAuditFile(path) as AuditEntry[];
  const fd = openSync(path, 'a');
  const flush = groupedFsync(fd);
  const trail = new AuditTrail(org, clock, existing, (entry) => {
    writeSync(fd, `${JSON.stringify(entry)}\n`);
    return flush();
  });
  process.once('exit', () => closeSync(fd));
  return trail;
}

/**
 * One fsync for every write made before it starts: the first caller of a turn schedules it
 * (setImmediate, after the turn's other writes), later callers of that turn share its promise;
 * a write made once it has started waits for the next one.
 */
function groupedFsync(fd: number): () => Promise<void> {
  let next: Promise<void> | undefined;
  return () =>
    (next ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        next = undefined;
        fsync(fd, (e) => (e ? reject(e) : resolve()));
      });
    }));
}
