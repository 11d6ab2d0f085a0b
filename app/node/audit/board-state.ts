import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BoardFold, type FoldRecord } from '../../../core/board/fold.js';
import { SqliteBoardStore } from '../../../core/board/sqlite-store.js';
import { DEFAULT_BOARD_TIME } from '../../../core/board/board-time.js';
import { MurmurError } from '../../../core/common/errors.js';
import { chainResolvers, didKeyResolver } from '../../../core/crypto/did-key.js';
import { didPeerResolver } from '../../../core/crypto/did-peer.js';
import { credentialAdmission } from '../../../core/access/admission.js';
import type { AuditEntry } from '../../../core/access/audit.js';
import { ACCESS_KINDS } from '../../../core/access/rules.js';
import { REFERENCE_CAPABILITIES } from '../../../core/coordination/roles.js';
import { BoardReplica } from '../../../core/agents/runtime/replica.js';
import { charterFromJson } from '../charter.js';
import { readAuditFile } from '../audit-file.js';

export const boardKeys = chainResolvers(didKeyResolver, didPeerResolver);

export function boardPath(dataDir: string): string {
  const path = join(dataDir, 'board.db');
  if (!existsSync(path)) throw new MurmurError('E_INPUT', `${dataDir} holds no board (board.db); pass the --data-dir of a run`, { field: 'data-dir' });
  return path;
}

/** The board's integrity alone: signatures, ids and per-author chains, whatever the kinds say. */
export async function foldIntegrity(dataDir: string): Promise<{ records: FoldRecord[]; fold: BoardFold<null> }> {
  const store = new SqliteBoardStore(boardPath(dataDir));
  try {
    const fold = new BoardFold(boardKeys, { init: () => null, apply: () => ({ ok: true }) });
    for (let from = 1; ;) {
      const batch = await store.read(from, 1000);
      if (batch.length === 0) break;
      for (const e of batch) fold.apply(e);
      from = batch.at(-1)!.index + 1;
    }
    return { records: [...fold.records], fold };
  } finally {
    await store.close();
  }
}

/**
 * Re-folds a run's board with the coalition's rules, as any node would (needs charter.json).
 * The store stays open for the life of the (CLI) process: the replica keeps only live cases'
 * entries in memory and reads a settled case's back from it.
 */
export async function refold(dataDir: string): Promise<BoardReplica> {
  const charterPath = join(dataDir, 'charter.json');
  if (!existsSync(charterPath)) throw new MurmurError('E_INPUT', `${dataDir} holds no charter.json to verify credentials with`, { field: 'data-dir' });
  const charter = charterFromJson(JSON.parse(readFileSync(charterPath, 'utf8')));
  const store = new SqliteBoardStore(boardPath(dataDir));
  const replica = new BoardReplica(
    store,
    boardKeys,
    { genesisReputation: charter.genesisReputation, requireCredentials: true, requireSealed: true, capabilities: REFERENCE_CAPABILITIES },
    credentialAdmission({ registry: charter.registry, status: charter.status, zkIssuers: charter.zkIssuers }),
    ACCESS_KINDS,
    DEFAULT_BOARD_TIME,
  );
  await replica.catchUp();
  await replica.stop();
  return replica;
}

/** Every organization's audit trail in the run, by file name (org id), unjudged. */
export function auditFiles(dataDir: string): Map<string, unknown[]> {
  const dir = join(dataDir, 'audit');
  const out = new Map<string, unknown[]>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.jsonl'))
    .sort())
    out.set(basename(f, '.jsonl'), readAuditFile(join(dir, f)));
  return out;
}

/** Audit trails keyed by the organization DID their entries name. */
export function auditsByOrg(files: Map<string, unknown[]>): Map<string, AuditEntry[]> {
  const out = new Map<string, AuditEntry[]>();
  for (const entries of files.values()) {
    const first = entries[0] as AuditEntry | undefined;
    if (first?.org) out.set(first.org, entries as AuditEntry[]);
  }
  return out;
}
