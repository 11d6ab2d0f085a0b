import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
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
 * each new entry appended and flushed to disk before the action it records goes on.
 */
export function fileAuditTrail(path: string, org: string, clock: Clock): AuditTrail {
  mkdirSync(dirname(path), { recursive: true });
  const existing = readAuditFile(path) as AuditEntry[];
  const fd = openSync(path, 'a');
  const trail = new AuditTrail(
    org,
    clock,
    existing,
    (entry) => {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    },
    // What was written is read back, not kept: memory does not grow with the trail.
    () => readAuditFile(path) as AuditEntry[],
  );
  process.once('exit', () => closeSync(fd));
  return trail;
}
