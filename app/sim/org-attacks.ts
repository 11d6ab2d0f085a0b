import { authorDid, bodyOf, envelopeId, signEnvelope, type Envelope, type Section } from '../../core/board/envelope.js';
import type { StoredEntry } from '../../core/board/store.js';
import type { Random } from '../../core/common/random.js';
import { newContentKey, sealSection, sectionAssociatedData } from '../../core/crypto/aead.js';
import type { CaseState } from '../../core/coordination/case-state.js';
import { sectionsDigest } from '../../core/coordination/rules/execution.js';
import { CARD_DOMAIN, cardChallenge, claimChallenge } from '../../core/access/challenges.js';
import type { BoardReplica } from '../../core/agents/runtime/replica.js';
import type { CoalitionAgent } from '../../core/agents/runtime/coalition-agent.js';
import { hostileDraft } from '../../core/coordination/kinds/draft.js';
import type { OrgNode } from '../node/org-node.js';
import type { OrgWorld } from './org-world.js';

/**
 * Hostile behaviours of a member (signing with its own real keys) or of the board host, each
 * the attack of issue 14 it is named for. The lab (helix) is the hostile member unless said.
 *
 * - `lab-decides`: re-publishes its card listing `pa-determination`, claims the determination,
 *   posts a plaintext approval on its own subtask, then plaintext alone.
 * - `rogue-outcome`: the evidence vendor posts a sealed artifact on its own subtask carrying an
 *   outcome (only the determination carries one).
 * - `forged-copy`: the board host stores a bad-signature copy of a member's claim just before
 *   the real one (it must spend nothing).
 * - `fabricated-gap`: the lab raises a gap for a skill nobody offers, blocking the determination.
 * - `clock-ahead`: the lab's clock runs a day ahead for a while, and the host stamps its
 *   appends with that time (on etcd the writer stamps).
 * - `equivocate`: the lab signs a second, different envelope at the seq of one of its claims.
 */
export const ORG_ATTACKS = ['lab-decides', 'rogue-outcome', 'forged-copy', 'fabricated-gap', 'clock-ahead', 'equivocate'] as const;
export type OrgAttack = (typeof ORG_ATTACKS)[number];

export interface AttackProbe {
  attack: OrgAttack;
  /** What must hold after the run (beyond the invariants every seed checks); each failure described. */
  check(auditor: BoardReplica, c: CaseState | undefined): Promise<string[]>;
  /** How many hostile entries reached the board (0: the attack never got its chance this seed). */
  attempted(): number;
}

const DAY = 24 * 3600_000;

const agentOf = (node: OrgNode, name: string): CoalitionAgent => node.agents.find((a) => a.card.name === name)!;

/** Calls `act` once, the first time the given agent's claim on `subtask` is accepted in its own node's view. */
function onceClaimed(world: OrgWorld, org: string, agent: string, subtask: string | undefined, act: (node: OrgNode, entry: StoredEntry) => void): void {
  let done = false;
  const did = world.org(org).identity.agents.get(agent)!.did;
  world.onBoot((id, node) => {
    if (id !== org) return;
    node.replica.onRecord((record, entry) => {
      if (done || world.nodes.get(org) !== node || record.kind !== 'Claim' || record.status !== 'accepted' || authorDid(record.author) !== did) return;
      if (subtask !== undefined && record.subtask !== subtask) return;
      done = true;
      act(node, entry);
    });
  });
}

/** Seals sections as a member's own software would, with keys it keeps to itself. */
function sealAs(
  keyId: string,
  caseId: string,
  subtask: string,
  seq: number,
  sections: { name: string; readers: string[]; plaintext: unknown }[],
  random: Random,
): Section[] {
  return sections.map((s) => {
    const key = newContentKey(random);
    const ad = sectionAssociatedData({ case: caseId, subtask, author: keyId, seq, section: s.name });
    return {
      name: s.name,
      readers: s.readers,
      sealed: { ...sealSection(key, new TextEncoder().encode(JSON.stringify(s.plaintext)), ad, random), keyId: `${keyId}#${seq}/${s.name}` },
    };
  });
}

export function installAttack(attack: OrgAttack, world: OrgWorld, random: Random): AttackProbe {
  // Ids of the hostile posts the board took (a post whose process crashed first may never answer).
  const ids: string[] = [];
  const posted = {
    push: (...ps: Promise<StoredEntry>[]): void =>
      ps.forEach(
        (p) =>
          void p.then(
            (e) => ids.push(e.envelope.id),
            () => undefined,
          ),
      ),
  };
  const landed = async (): Promise<string[]> => ids;
  const accepted = (auditor: BoardReplica, ids: readonly string[]): string[] =>
    ids.flatMap((id) => auditor.fold.records.filter((r) => r.id === id && r.status === 'accepted').map((r) => `${r.kind} ${r.id.slice(0, 12)} was accepted`));
  const probe = (check: AttackProbe['check'], attempted = (): number => ids.length): AttackProbe => ({ attack, check, attempted });
  const now = (): number => world.sched.now();
  switch (attack) {
    case 'lab-decides': {
      const lab = world.org('helix').identity.agents.get('GenomicsAgent')!;
      onceClaimed(world, 'helix', 'GenomicsAgent', 'genomic-screening', (node, entry) => {
        const agent = agentOf(node, 'GenomicsAgent');
        const caseId = entry.envelope.case!;
        const readers =
          node.replica.state.cases
            .get(caseId)
            ?.subtasks.get('genomic-screening')
            ?.outputs.find((o) => o.section === 'summary')?.readers ?? [];
        const plain = [{ name: 'summary', readers: [...readers], plaintext: { decision: 'approve' } }];
        posted.push(
          agent.post(async (seq) => ({
            case: null,
            kind: 'AgentCard',
            header: {
              ...agent.card,
              skills: [...agent.card.skills, { id: 'pa-determination', name: 'PA determination', description: 'decides', tags: [] }],
              presentation: await lab.presenter!.present(cardChallenge(seq), CARD_DOMAIN, now()),
            },
            sections: [],
          })),
          agent.post(async () => {
            const st = node.replica.state.cases.get(caseId)!;
            const s = st.subtasks.get('coverage-determination')!;
            return {
              case: caseId,
              subtask: s.id,
              kind: 'Claim',
              header: { leaseMs: 60_000, presentation: await lab.presenter!.present(claimChallenge(st, s), s.id, now()) },
              sections: [],
            };
          }),
          agent.post(
            hostileDraft({
              case: caseId,
              subtask: 'genomic-screening',
              kind: 'Artifact',
              header: { digest: sectionsDigest(plain), outcome: 'approved' },
              sections: plain,
            }),
          ),
          agent.post({ case: caseId, subtask: 'genomic-screening', kind: 'Artifact', header: { digest: sectionsDigest(plain) }, sections: plain }),
        );
      });
      return probe(async (auditor) => accepted(auditor, await landed()));
    }
    case 'rogue-outcome': {
      const vendor = world.org('evidentia').identity.agents.get('ClinEvidence')!;
      onceClaimed(world, 'evidentia', 'ClinEvidence', 'evidence-synthesis', (node, entry) => {
        const caseId = entry.envelope.case!;
        const outputs = node.replica.state.cases.get(caseId)?.subtasks.get('evidence-synthesis')?.outputs ?? [];
        posted.push(
          agentOf(node, 'ClinEvidence').post((seq) => {
            const sections = sealAs(
              vendor.signer.keyId,
              caseId,
              'evidence-synthesis',
              seq,
              outputs.map((o) => ({ name: o.section, readers: [...o.readers], plaintext: { verdict: 'deny' } })),
              random,
            );
            return { case: caseId, subtask: 'evidence-synthesis', kind: 'Artifact', header: { digest: sectionsDigest(sections), outcome: 'denied' }, sections };
          }),
        );
      });
      return probe(async (auditor) => accepted(auditor, await landed()));
    }
    case 'forged-copy': {
      // The host forges a copy of one member's first claim, the member drawn from the seed.
      const members = ['northwind', 'helix', 'evidentia'].map((o) => world.org(o));
      const target = members[random.int(members.length)]!;
      const dids = new Set([...target.identity.agents.values()].map((a) => a.did));
      const forged: Envelope[] = [];
      const real: string[] = [];
      const append = world.board.append.bind(world.board);
      world.board.append = async (env) => {
        if (forged.length === 0 && env.kind === 'Claim' && dids.has(authorDid(env.author))) {
          const sig = (env.sig[0] === 'A' ? 'B' : 'A') + env.sig.slice(1);
          forged.push({ ...env, sig, id: envelopeId(bodyOf(env), sig) });
          real.push(env.id);
          await append(forged[0]!);
        }
        return append(env);
      };
      return probe(
        async (auditor) => {
          if (forged.length === 0) return [];
          const f = auditor.fold.records.find((r) => r.id === forged[0]!.id);
          const r = auditor.fold.records.find((x) => x.id === real[0]);
          const out: string[] = [];
          if (f?.status === 'accepted') out.push('the bad-signature copy was accepted');
          // The real claim may lose a race to another agent, never to its own forged copy.
          if (r && r.status !== 'accepted' && /replay/.test(r.reason ?? '')) out.push(`the real claim was refused: ${r.reason}`);
          return out;
        },
        () => forged.length,
      );
    }
    case 'fabricated-gap': {
      onceClaimed(world, 'helix', 'GenomicsAgent', 'genomic-screening', (node, entry) => {
        const subtask = { id: 'oracle-consult', title: 'Consult the oracle', deps: ['genomic-screening'], blocks: ['coverage-determination'], outputs: [] };
        posted.push(
          agentOf(node, 'GenomicsAgent').post({
            case: entry.envelope.case!,
            kind: 'Gap',
            header: { gap: 'gap-oracle', skill: 'oracle-consult', reasonCode: 'pgx-finding', subtask },
            sections: [],
          }),
        );
      });
      return probe(async (_auditor, c) => {
        const g = c?.gaps.get('gap-oracle');
        if (!g) return [];
        return [
          ...(g.status === 'awarded' ? ['the fabricated gap was awarded'] : []),
          ...(g.endorsements.length ? ['the fabricated gap was endorsed'] : []),
          ...(c?.status === 'dissolved' && !g.withdrawn ? ['the fabricated gap was never withdrawn'] : []),
        ];
      });
    }
    case 'clock-ahead': {
      // While the case runs (it opens at 1 s and takes about 5–10 s without faults).
      const from = world.sched.now() + 1_500 + random.int(4_000);
      const until = from + 3_000 + random.int(10_000);
      const ahead = (): number => (now() >= from && now() < until ? DAY : 0);
      world.clocks.set('helix', { now: () => now() + ahead(), sleep: (ms) => world.sched.sleep(ms) });
      const lab = new Set([...world.org('helix').identity.agents.values()].map((a) => a.did));
      const append = world.board.append.bind(world.board);
      let stampedAhead = 0;
      world.board.append = (env) => {
        // The store stamps synchronously as it appends: set the writer's time around it.
        world.stamp.skew = lab.has(authorDid(env.author)) ? ahead() : 0;
        if (world.stamp.skew) stampedAhead++;
        try {
          return append(env);
        } finally {
          world.stamp.skew = 0;
        }
      };
      // Board time stays bounded (every seed checks it); nothing more specific to check.
      return probe(
        async () => [],
        () => stampedAhead,
      );
    }
    case 'equivocate': {
      const lab = world.org('helix').identity.agents.get('GenomicsAgent')!;
      let fork: Envelope | undefined;
      onceClaimed(world, 'helix', 'GenomicsAgent', undefined, (_node, entry) => {
        const { sig: _s, id: _i, v: _v, author: _a, ...body } = entry.envelope;
        fork = signEnvelope(lab.signer, {
          ...body,
          header: { ...entry.envelope.header, leaseMs: ((entry.envelope.header as { leaseMs?: number }).leaseMs ?? 60_000) + 1_000 },
          at: now(),
        });
        posted.push(world.net.link('helix').append(fork));
        // Counted as soon as it is sent: the fork has the same id whether or not this process hears back.
      });
      return probe(async (auditor) => {
        if (!fork) return [];
        const out = accepted(auditor, [fork.id]);
        if (auditor.fold.records.some((r) => r.id === fork!.id) && !auditor.fold.equivocations.some((e) => e.ids.includes(fork!.id)))
          out.push('the fork was not recorded as an equivocation');
        return out;
      });
    }
  }
}
