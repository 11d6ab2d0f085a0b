import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdBoardStore } from '../../../core/board/etcd-store.js';
import { isMurmurError } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';

export interface ArchivedReleaser {
  /** One pass: archive newly settled cases, release them from etcd. Returns the cases archived. */
  pass(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A node on etcd archives each settled case (dissolved, reputation folded) to
 * `<dataDir>/archive/<case>.jsonl`, its part of the log as signed, and then releases the
 * case's keys from etcd (docs/board.md, "Archived cases leave etcd"). Every node runs it, so
 * every replica's mark advances and removal is not held back by one that never asks.
 */
export function startReleasingArchived(o: {
  store: EtcdBoardStore;
  /** Ids of the cases this node's replica has settled. */
  settled: () => Iterable<string>;
  dataDir: string;
  intervalMs?: number;
  logger?: Logger;
}): ArchivedReleaser {
  const done = new Set<string>();
  const dir = join(o.dataDir, 'archive');
  let running: Promise<string[]> = Promise.resolve([]);
  const pass = async (): Promise<string[]> => {
    const fresh = [...o.settled()].filter((c) => !done.has(c));
    for (const caseId of fresh) {
      mkdirSync(dir, { recursive: true });
      const entries = await o.store.readCase(caseId);
      writeFileSync(join(dir, `${caseId}.jsonl`), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
      done.add(caseId);
    }
    // Called even with nothing new: it advances this replica's mark and retries what waited.
    const r = await o.store.releaseCases(fresh);
    if (r.removed > 0) o.logger?.log('info', 'board.released', { cases: fresh.length, keys: r.removed, waiting: r.waiting });
    return fresh;
  };
  const timer = setInterval(() => {
    running = running.then(pass).catch((e: unknown) => {
      o.logger?.log('warn', 'board.release-failed', { error: e instanceof Error ? e.name : 'unknown', code: isMurmurError(e) ? e.code : null });
      return [];
    });
  }, o.intervalMs ?? 5_000);
  timer.unref();
  return {
    pass: () => (running = running.then(pass)),
    async stop() {
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
