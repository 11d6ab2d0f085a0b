import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { verifyAuditTrail } from '../../../core/access/audit.js';
import { EnvelopeSchema, authorDid, bodyOf, envelopeId } from '../../../core/board/envelope.js';
import { BoardFold } from '../../../core/board/fold.js';
import { readAuditFile } from '../audit-file.js';
import { CharterFileSchema } from '../charter.js';
import { boardKeys, boardPath } from './board-state.js';
import { checkAgainstHeads, readBoardRows, readHeads, sequenceProblems, type BoardRow, type LogProblem } from './board-log.js';

export interface Finding {
  ok: boolean;
  subject: string;
  detail: string;
}

/**
 * Checks a run's board and every organization's audit trail, naming the first broken link of
 * each. The board: every row readable, indexes dense from 1, board time monotonic, every
 * signature, id and author chain (the fold's board-level checks), and the whole log against
 * the tree heads the organizations co-signed (heads/): a cut, a deletion, a reordering or an
 * edit is named at the first index where the archive differs from what they signed.
 */
export async function verifyRun(dataDir: string): Promise<{ ok: boolean; findings: Finding[] }> {
  const findings: Finding[] = [];
  const { rows, problems: rowProblems } = readBoardRows(boardPath(dataDir));
  const problems: LogProblem[] = [...rowProblems, ...sequenceProblems(rows)];

  const fold = new BoardFold(boardKeys, { init: () => null, apply: () => ({ ok: true }) });
  for (const r of rows) {
    if (!r.entry) continue;
    try {
      fold.apply(r.entry);
    } catch {
      // e.g. a body nested too deep to canonicalize: the file was made to break the checker.
      problems.push({ index: r.index, reason: 'its envelope cannot be checked (nested too deep or malformed)' });
    }
  }
  for (const e of fold.equivocations) problems.push({ index: e.index, reason: `equivocation: two envelopes with seq ${e.seq} from one author` });

  const { heads, problems: headProblems, files } = readHeads(dataDir, boardKeys);
  const cards = cardNames(rows, new Set(fold.records.filter((r) => r.status === 'accepted').map((r) => r.id)));
  const charter = charterMembers(dataDir, headProblems);
  // The charter's members decide whose heads count; without them (an older run), the agents
  // that published an authentic card on the board.
  const witnessOrg = (keyId: string): string | undefined => (charter ? charter.get(authorDid(keyId)) : cards.has(keyId) ? keyId : undefined);
  const members = new Map<string, string>();
  for (const h of heads) {
    const org = witnessOrg(h.head.witness);
    if (org !== undefined) members.set(h.head.witness, cards.get(h.head.witness) ?? org);
  }
  const memberHeads = heads.filter((h) => members.has(h.head.witness));
  // Heads by anyone else are ignored: they can neither hide nor fake anything (e.g. a stale
  // key from an earlier run in the folder, or an outsider's file).
  const foreign = heads.filter((h) => !members.has(h.head.witness));
  const log = checkAgainstHeads(rows, memberHeads, (w) => members.get(w) ?? w);
  problems.push(...log.problems);

  // An entry the fold refuses is tampering only if the archive no longer holds what the
  // witnesses saw. Under a holding head, with an id that still hashes its content, it is the
  // very envelope every node folded and refused alike (a member's or the store's bad envelope):
  // named, but not a broken link of the log.
  const refused: LogProblem[] = [];
  for (const rec of fold.records) {
    if (rec.status !== 'rejected' || rec.code === 'E_EQUIVOCATION') continue;
    const env = rows[rec.index - 1]?.entry?.envelope;
    const witnessed = rec.index <= (log.covered?.size ?? 0) && rows[rec.index - 1]?.index === rec.index && env !== undefined && idHolds(env);
    (witnessed ? refused : problems).push({ index: rec.index, reason: `(${rec.kind}) ${rec.reason ?? 'rejected'}` });
  }
  // After a broken link, a refusal may be its consequence (a chain that now skips): not witnessed alike.
  const broken = Math.min(...problems.map((p) => p.index));
  problems.push(...refused.filter((r) => r.index > broken));
  refused.splice(0, refused.length, ...refused.filter((r) => r.index < broken));

  const authors = new Set(fold.records.map((r) => r.author)).size;
  const first = problems.sort((a, b) => a.index - b.index)[0];
  findings.push(
    first
      ? { ok: false, subject: 'board', detail: `first broken link: entry #${first.index}: ${first.reason}` }
      : { ok: true, subject: 'board', detail: `${rows.length} entries by ${authors} authors: indexes dense, every signature and author chain holds` },
  );
  for (const p of problems.slice(1, 6)) findings.push({ ok: false, subject: 'board', detail: `also entry #${p.index}: ${p.reason}` });
  if (refused.length > 0) {
    const r = refused[0]!;
    findings.push({
      ok: true,
      subject: 'board',
      detail: `${refused.length} entr${refused.length === 1 ? 'y' : 'ies'} refused by every node's fold as the witnesses signed ${refused.length === 1 ? 'it' : 'them'} (first #${r.index}: ${r.reason}): put on the board like this, not edited since`,
    });
  }

  if (files === 0) {
    findings.push({ ok: false, subject: 'tree heads', detail: 'no co-signed tree heads (heads/): entries cut from the end of the board could not be told' });
  } else if (log.covered) {
    const c = log.covered;
    findings.push({
      ok: log.problems.length === 0 && log.notes.length === 0,
      subject: 'tree heads',
      detail: `${log.problems.length > 0 ? `the heads hold only up to #${c.size}: ` : ''}the head of ${c.size} entries (root ${c.root.slice(0, 16)}…) co-signed by ${c.witnesses.join(', ')} is consistent with the archive (RFC 9162 consistency proof); ${c.inclusion} of ${c.size} inclusion proofs verify under it; largest head signed: ${log.largest}`,
    });
  } else {
    findings.push({ ok: false, subject: 'tree heads', detail: `no head a member signed holds for this archive (largest head signed: ${log.largest})` });
  }
  for (const note of log.notes) findings.push({ ok: false, subject: 'tree heads', detail: note });
  for (const p of headProblems.slice(0, 5)) findings.push({ ok: false, subject: 'tree heads', detail: p });
  if (foreign.length > 0) {
    const f = foreign[0]!;
    findings.push({
      ok: true,
      subject: 'tree heads',
      detail: `ignored ${foreign.length} head${foreign.length === 1 ? '' : 's'} signed by keys that are ${charter ? 'no member agents in the charter' : 'no agents with a card on this board'} (first: heads ${f.file}, line ${f.line})`,
    });
  }

  const dir = join(dataDir, 'audit');
  for (const f of existsSync(dir)
    ? readdirSync(dir)
        .filter((x) => x.endsWith('.jsonl'))
        .sort()
    : []) {
    const org = basename(f, '.jsonl');
    let entries: unknown[];
    try {
      entries = readAuditFile(join(dir, f));
    } catch (e) {
      findings.push({
        ok: false,
        subject: `audit ${org}`,
        detail: `first broken link: ${e instanceof Error ? e.message.replace(/^.*: (line \d+)/, '$1') : 'unreadable'}`,
      });
      continue;
    }
    const v = verifyAuditTrail(entries);
    findings.push(
      v.ok
        ? { ok: true, subject: `audit ${org}`, detail: `${v.count} entries, hash chain intact (head ${v.head.slice(0, 16)}…)` }
        : { ok: false, subject: `audit ${org}`, detail: `first broken link: entry ${v.index}: ${v.reason}` },
    );
  }
  return { ok: findings.every((f) => f.ok), findings };
}

/** Agent keys and their organizations' names, from the authentic agent cards on the board. */
/** The envelope's id still hashes its content (schema first: the id covers the whole envelope). */
function idHolds(env: unknown): boolean {
  const parsed = EnvelopeSchema.safeParse(env);
  return parsed.success && envelopeId(bodyOf(parsed.data), parsed.data.sig) === parsed.data.id;
}

/** Agent DID → organization id, from the run's charter.json `members` (undefined when it lists none). */
function charterMembers(dataDir: string, problems: string[]): Map<string, string> | undefined {
  const path = join(dataDir, 'charter.json');
  if (!existsSync(path)) return undefined;
  let parsed;
  try {
    parsed = CharterFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    problems.push('charter.json is not JSON: witnesses were taken from the agent cards on the board');
    return undefined;
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    problems.push(`charter.json: ${issue.path.join('.') || '(root)'}: ${issue.message}: witnesses were taken from the agent cards on the board`);
    return undefined;
  }
  if (parsed.data.members.length === 0) return undefined;
  return new Map(parsed.data.members.flatMap((m) => m.agents.map((a) => [a, m.org] as const)));
}

function cardNames(rows: readonly BoardRow[], authentic: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows) {
    const env = r.entry?.envelope;
    if (env?.kind !== 'AgentCard' || typeof env.author !== 'string' || !authentic.has(env.id)) continue;
    const provider = (env.header as { provider?: { organization?: unknown } } | undefined)?.provider;
    out.set(env.author, typeof provider?.organization === 'string' ? provider.organization.slice(0, 80) : env.author);
  }
  return out;
}
