import { z } from 'zod';
import { canonicalJson } from '../common/canonical.js';
import type { Clock } from '../common/clock.js';
import { MurmurError } from '../common/errors.js';
import { sha256Hex } from '../common/hash.js';

/**
 * The organization's audit trail: every decrypt, key grant, denial and credential check,
 * appended to a hash chain. Entry i stores the hash of entry i-1 (`prev`) and its own
 * `hash` = SHA-256 of the canonical JSON of `{ org, index, at, event, prev }`, so editing,
 * dropping, inserting or reordering an entry breaks the chain at that entry, and
 * `verifyAuditTrail` names the first broken link. Events hold ids and codes only, never PHI.
 * Storage-agnostic: pass `onAppend` to persist each entry (e.g. in the org's SQLite).
 */
const short = z.string().min(1).max(512);

export const AuditEventSchema = z.object({
  kind: z.enum(['decrypt', 'grant', 'denial', 'credential-check', 'fhir-read']),
  /** Who acted: the local agent's DID (or the organization's). */
  actor: short,
  /** The organization's operator the agent acted for (a console read), by operator id. */
  operator: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  case: short.optional(),
  subtask: short.optional(),
  section: short.optional(),
  /** The other party: the reader granted to, the requester denied, the holder checked. */
  counterparty: short.optional(),
  /** The envelope this concerns (id), when there is one. */
  envelope: short.optional(),
  /** Credentials or presentation challenge the decision rested on. */
  credentials: z.array(short).max(16).optional(),
  /** For `fhir-read`: the minimum-necessary data elements read from the FHIR server. */
  elements: z.array(z.string().max(64)).max(32).optional(),
  /** Machine reason codes, e.g. `expired`, `role-not-allowed`. */
  reasons: z.array(z.string().max(64)).max(16).optional(),
});

export type AuditEvent = z.infer<typeof AuditEventSchema>;

/**
 * Where an agent records what it did: its organization's `AuditTrail`, or `noAuditTrail`.
 * Resolves once the entry is durable; the action it records goes on only then.
 */
export type AuditSink = (event: AuditEvent) => Promise<void>;

/** No trail (the simulator's nodes): events are dropped. A mode, like `plaintextDisclosure`, rather than an absent port. */
export const noAuditTrail: AuditSink = () => Promise.resolve();

export const AuditEntrySchema = z.object({
  org: short,
  index: z.number().int().min(0),
  at: z.number().int(),
  event: AuditEventSchema,
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AUDIT_GENESIS = '0'.repeat(64);

export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(canonicalJson({ org: entry.org, index: entry.index, at: entry.at, event: entry.event, prev: entry.prev }));
}

export class AuditTrail {
  /** Every entry, unless the trail is persisted (`stored`): then only the last is kept here. */
  private readonly list: AuditEntry[] = [];
  private last: AuditEntry | undefined;
  private count = 0;

  /**
   * @param entries a trail loaded from storage; it is verified first (E_CONFLICT naming the
   *   first broken link if it does not hold).
   * @param onAppend persists each new entry before the action it records goes on.
   * @param stored reads the persisted trail back: with it the trail does not keep its history
   *   in memory (an entry per access of every case ever run), and `entries()` reads it.
   * @param durable resolves once every entry `onAppend` has written is on disk (a file's
   *   fsync, shared by the entries written meanwhile); `synced()` awaits it.
   */
  constructor(
    readonly org: string,
    private readonly clock: Clock,
    entries: readonly AuditEntry[] = [],
    private readonly onAppend?: (entry: AuditEntry) => void,
    private readonly stored?: () => readonly AuditEntry[],
    private readonly durable?: () => Promise<void>,
  ) {
    const check = verifyAuditTrail(entries, org);
    if (!check.ok) throw new MurmurError('E_CONFLICT', `audit trail does not verify: entry ${check.index}: ${check.reason}`, { index: check.index });
    if (!stored) this.list.push(...entries.map((e) => structuredClone(e)));
    this.last = entries.length ? structuredClone(entries.at(-1)!) : undefined;
    this.count = entries.length;
  }

  append(event: AuditEvent): AuditEntry {
    const parsed = AuditEventSchema.safeParse(event);
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path.join('.') ?? '';
      throw new MurmurError('E_SCHEMA', `audit event: invalid field "${path}"`, { field: path });
    }
    const last = this.last;
    const at = Math.max(Math.trunc(this.clock.now()), last?.at ?? Number.MIN_SAFE_INTEGER);
    const body = { org: this.org, index: this.count, at, event: parsed.data, prev: last?.hash ?? AUDIT_GENESIS };
    // Spelled out, not spread: a spread object with an added field gets a V8 hidden class of its own.
    const entry: AuditEntry = { org: body.org, index: body.index, at: body.at, event: body.event, prev: body.prev, hash: auditEntryHash(body) };
    this.onAppend?.(structuredClone(entry));
    if (!this.stored) this.list.push(entry);
    this.last = entry;
    this.count++;
    return structuredClone(entry);
  }

  /** Resolves once every entry appended so far is durable (at once for a trail in memory). */
  synced(): Promise<void> {
    return this.durable ? this.durable() : Promise.resolve();
  }

  entries(): readonly AuditEntry[] {
    return this.stored ? this.stored() : this.list.map((e) => structuredClone(e));
  }

  /** How many entries the trail holds. */
  get length(): number {
    return this.count;
  }

  /** Hash of the last entry (the genesis value when empty): publish it to anchor the trail. */
  head(): string {
    return this.last?.hash ?? AUDIT_GENESIS;
  }
}

export type AuditVerification = { ok: true; count: number; head: string } | { ok: false; index: number; reason: string };

/**
 * Walks the chain and names the first broken link. `expectedHead`, when given (e.g. a head
 * published earlier), also catches a trail truncated at its end.
 */
export function verifyAuditTrail(entries: readonly unknown[], org?: string, expectedHead?: string): AuditVerification {
  let prev = AUDIT_GENESIS;
  let lastAt = Number.MIN_SAFE_INTEGER;
  for (const [i, raw] of entries.entries()) {
    const parsed = AuditEntrySchema.safeParse(raw);
    if (!parsed.success) return { ok: false, index: i, reason: `malformed entry (field "${parsed.error.issues[0]?.path.join('.') ?? ''}")` };
    const e = parsed.data;
    if (org !== undefined && e.org !== org) return { ok: false, index: i, reason: 'entry belongs to another organization' };
    if (e.index !== i) return { ok: false, index: i, reason: `index is ${e.index}, expected ${i} (entry dropped, inserted or reordered)` };
    if (e.prev !== prev) return { ok: false, index: i, reason: 'prev does not match the hash of the entry before (entry dropped, inserted or reordered)' };
    if (auditEntryHash(e) !== e.hash) return { ok: false, index: i, reason: 'hash does not match the entry contents (entry edited)' };
    if (e.at < lastAt) return { ok: false, index: i, reason: 'time goes backwards' };
    prev = e.hash;
    lastAt = e.at;
  }
  if (expectedHead !== undefined && expectedHead !== prev) {
    return { ok: false, index: entries.length, reason: 'the trail ends before the expected head (entries removed at the end)' };
  }
  return { ok: true, count: entries.length, head: prev };
}
