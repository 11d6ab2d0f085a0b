import { interner } from '../common/intern.js';
import type { KeyResolver } from '../crypto/signing.js';
import { BoardClock, type BoardTimeRule } from './board-time.js';
import { EnvelopeSchema, checkEnvelope } from './envelope.js';
import { RecordLog } from './record-log.js';
import { ChainIds } from './chain-ids.js';
import type { StoredEntry } from './store.js';
import type { Verdict, VerdictCode } from './verdicts.js';

export type { Verdict, VerdictCode } from './verdicts.js';

/**
 * What slow checks found about an entry before it is folded (e.g. a verified presentation),
 * computed by an `Admission` in log order so every node derives the same evidence.
 */
export type Evidence = Readonly<Record<string, unknown>>;

/**
 * Asynchronous checks that run on each entry, in log order, before the fold applies it
 * (credential and proof verification). Must be deterministic given the log.
 */
export type Admission<S> = (state: S, entry: StoredEntry) => Promise<Evidence>;

/**
 * The semantics of kinds, supplied by the layer above (coordination). `apply` must be
 * deterministic, do no I/O, and leave `state` untouched when it rejects.
 */
export interface Reducer<S> {
  init(): S;
  apply(state: S, entry: StoredEntry, evidence: Evidence): Verdict;
}

export type EntryStatus = 'accepted' | 'rejected' | 'duplicate';

/** What the fold made of one entry; rejected entries are kept as evidence. */
export interface FoldRecord {
  index: number;
  at: number;
  id: string;
  kind: string;
  author: string;
  case: string | null;
  subtask?: string;
  status: EntryStatus;
  /** Why it was refused (or is a duplicate): a stable code to compare, and a message to show. */
  code?: VerdictCode;
  reason?: string;
}

export interface Equivocation {
  author: string;
  seq: number;
  ids: [string, string];
  index: number;
}

interface ChainHead {
  seq: number;
  id: string;
}

/**
 * The state of the board as a fold over the ordered log. Every node folds the same log with
 * the same reducer and so reaches the same state. Board-level checks live here (schema,
 * signature, author chain, equivocation, duplicates); kind rules live in the reducer.
 */
export class BoardFold<S> {
  readonly state: S;
  /** Every verdict in log order; a node may spill the older ones out of memory (record-log.ts). */
  readonly records = new RecordLog();
  readonly equivocations: Equivocation[] = [];
  private readonly chains = new Map<string, ChainHead>();
  /** Per author, the id of each authentic envelope by seq, for equivocation and replay detection. */
  private readonly seqIds = new ChainIds();
  /**
   * One copy of each author, kind, case and subtask string the records name: a parsed envelope's
   * strings are fresh copies, and a record outlives its envelope (the replica drops settled
   * cases' entries), so without this every record kept its own copy of its author's DID.
   * Bounded by the distinct values (authors, kinds, cases), which the state names anyway.
   */
  private readonly name = interner();
  private last = 0;
  private readonly clock: BoardClock | undefined;

  constructor(
    private readonly keys: KeyResolver,
    private readonly reducer: Reducer<S>,
    /** Bounds on board time (board-time.ts); without, the store's stamp is taken as is. */
    time?: BoardTimeRule,
    /** Whose signed time counts toward board time, by author (default: every author as itself). */
    private readonly voter: (state: S, author: string) => string | undefined = (_s, author) => author,
  ) {
    this.state = reducer.init();
    this.clock = time ? new BoardClock(time) : undefined;
  }

  /** Board time as of the last authentic entry (the store's last stamp without a time rule). */
  get now(): number {
    return this.clock ? this.clock.now() : (this.records.at(-1)?.at ?? 0);
  }

  get lastIndex(): number {
    return this.last;
  }

  apply(entry: StoredEntry, evidence: Evidence = {}): FoldRecord {
    this.advance(entry);
    return this.keep(this.authenticate(entry) ?? this.judge(this.timed(entry), evidence));
  }

  /**
   * Folds an entry whose evidence an admission stage computes, but only for an authentic
   * envelope: a copy with a bad signature, a replay or an entry off its author's chain is
   * refused before admission runs, so it spends no presentation or nullifier that the
   * author's real envelope needs (a board host could otherwise burn a member's credential).
   */
  async admit(entry: StoredEntry, admission: Admission<S>): Promise<FoldRecord> {
    this.advance(entry);
    const failed = this.authenticate(entry);
    if (failed) return this.keep(failed);
    const timed = this.timed(entry);
    return this.keep(this.judge(timed, await admission(this.state, timed)));
  }

  /**
   * What the fold made of an envelope, by id: an agent checking the verdict on what it just
   * posted asks this rather than scanning every record (a scan grows with the board's history).
   * The accepted record wins over a forged copy that claimed the same id (record-log.ts).
   */
  record(id: string): FoldRecord | undefined {
    return this.records.byId(id);
  }

  private keep(record: FoldRecord): FoldRecord {
    this.records.push(record);
    return record;
  }

  /** An authentic entry at the fold's board time (the store's stamp, bounded by the authors' signed times). */
  private timed(entry: StoredEntry): StoredEntry {
    if (!this.clock) return entry;
    const at = this.clock.next(entry.at, this.voter(this.state, entry.envelope.author), entry.envelope.at);
    return at === entry.at ? entry : { ...entry, at };
  }

  private advance(entry: StoredEntry): void {
    if (entry.index <= this.last) throw new Error(`entry ${entry.index} folded out of order (at ${this.last})`);
    this.last = entry.index;
  }

  /** The last authentic envelope of an author's chain, as this fold has seen it. */
  chainHead(author: string): { seq: number; id: string } | undefined {
    const h = this.chains.get(author);
    return h ? { ...h } : undefined;
  }

  rejected(): FoldRecord[] {
    return this.records.filter((r) => r.status === 'rejected');
  }

  /**
   * The record of an entry, built field by field in one order: records made by spreading a
   * base object each got a hidden class of their own in V8 (8,463 maps for 8,465 records), a
   * cost every entry of history paid; built this way they share a handful.
   */
  private recordOf(entry: StoredEntry, status: EntryStatus, code?: VerdictCode, reason?: string): FoldRecord {
    const env = entry.envelope;
    const record: FoldRecord = {
      index: entry.index,
      at: entry.at,
      id: typeof env?.id === 'string' ? env.id : '',
      kind: typeof env?.kind === 'string' ? this.name(env.kind) : '?',
      author: typeof env?.author === 'string' ? this.name(env.author) : '?',
      case: typeof env?.case === 'string' ? this.name(env.case) : null,
      status,
    };
    if (typeof env?.subtask === 'string') record.subtask = this.name(env.subtask);
    if (code !== undefined) record.code = code;
    if (reason !== undefined) record.reason = reason;
    return record;
  }

  /** Board-level checks (schema, replay, signature, author chain), with no effect: the record of a failure, or undefined. */
  private authenticate(entry: StoredEntry): FoldRecord | undefined {
    const env = entry.envelope;
    const reject = (code: VerdictCode, reason: string): FoldRecord => this.recordOf(entry, 'rejected', code, reason);

    const parsed = EnvelopeSchema.safeParse(env);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reject('E_SCHEMA', `schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    // A replay: the id this author's chain already holds at that seq (ids are content hashes).
    if (this.seqIds.holds(env.author, env.seq, env.id)) return this.recordOf(entry, 'duplicate', 'E_DUPLICATE', 'replay of an envelope already on the board');
    const check = checkEnvelope(env, this.keys);
    if (!check.ok) return reject(check.code, check.reason);

    const head = this.chains.get(env.author);
    const expectedSeq = (head?.seq ?? 0) + 1;
    if (env.seq < expectedSeq) {
      const other = this.seqIds.at(env.author, env.seq);
      if (other !== undefined && !this.seqIds.holds(env.author, env.seq, env.id)) {
        this.equivocations.push({ author: env.author, seq: env.seq, ids: [other, env.id], index: entry.index });
        return reject('E_EQUIVOCATION', `equivocation: a second envelope with seq ${env.seq} from this author`);
      }
      return reject('E_CHAIN', `chain: seq ${env.seq} is behind the author's chain (next is ${expectedSeq})`);
    }
    if (env.seq > expectedSeq) return reject('E_CHAIN', `chain: seq ${env.seq} skips ahead (next is ${expectedSeq}); reordered or dropped`);
    if (env.prev !== (head?.id ?? null)) return reject('E_CHAIN', "chain: prev does not match the author's previous envelope");
    return undefined;
  }

  /** Applies an authenticated envelope: it extends its author's chain, and the reducer judges its effect. */
  private judge(entry: StoredEntry, evidence: Evidence): FoldRecord {
    const env = entry.envelope;
    // An authentic envelope extends its author's chain even when its effect is refused
    // below (a lost claim race is honest): authorship and effect are judged apart.
    this.chains.set(env.author, { seq: env.seq, id: env.id });
    this.seqIds.append(this.name(env.author), env.seq, env.id);
    const verdict = this.reducer.apply(this.state, entry, evidence);
    if (!verdict.ok) return this.recordOf(entry, 'rejected', verdict.code, verdict.reason);
    return this.recordOf(entry, 'accepted');
  }
}
