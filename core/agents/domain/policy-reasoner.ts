import { evaluateCriteria, decide } from '../clinical/criteria.js';
import { decideItems, manualReviewDecision } from '../clinical/items.js';
import { SHIPPED_POLICIES, elementsFor, policyHash, type CoveragePolicy } from '../clinical/policy.js';
import type { Caveat, CriterionResult, Decision, EvidenceNotFound, EvidenceSummary, InteractionReport } from '../clinical/types.js';
import type { AgentCard } from '../../coordination/messages.js';
import type { ClinicalAttestation, ClinicalProofs } from '../ports.js';
import type { AgentProfile } from '../runtime/agent.js';
import { predicateThresholds, provenCriteria } from './clinical-proof.js';
import { ROLES, outputsOf, section } from './sections.js';

/** The policies this payer knows, by id; policy documents are data, pinned by hash on the board. */
export const POLICIES: Readonly<Record<string, CoveragePolicy>> = Object.fromEntries(SHIPPED_POLICIES.map((p) => [p.id, p]));

/** Whether a case's pinned policy is the manual-review answer (no coverage policy for the service). */
export function isManualReview(task: { policy: { id: string } }): boolean {
  return POLICIES[task.policy.id]?.manualReview === true;
}

export function policyFor(id: string, hash: string): CoveragePolicy {
  const p = POLICIES[id];
  if (!p || policyHash(p) !== hash) throw new Error(`policy ${id} with hash ${hash.slice(0, 12)} is not known here`);
  return p;
}

interface LabSummary {
  criteria: CriterionResult[];
  attestation?: ClinicalAttestation;
}

/**
 * The lab criteria as the payer accepts them: decided by the lab's zero-knowledge proof when
 * it verifies against the payer's own thresholds and the lab's published key; needing review
 * when a proof is offered but fails; otherwise the lab's signed statement as it stands.
 */
async function labResults(
  caseId: string,
  policy: CoveragePolicy,
  summary: LabSummary,
  proofs: ClinicalProofs,
  lab: AgentCard | undefined,
): Promise<CriterionResult[]> {
  const a = summary.attestation;
  if (!a || proofs.kind === 'off') return summary.criteria;
  const smn1 = a.thresholds?.maxSmn1Copies;
  const labKey = lab?.zk?.publicKey;
  const v =
    labKey && (smn1 === 0 || smn1 === 1)
      ? await proofs.verify(a, { labPublicKey: labKey, thresholds: predicateThresholds(policy, smn1), caseId })
      : { ok: false, reason: labKey ? 'thresholds-mismatch' : 'lab-key-unknown' };
  if (v.ok) return provenCriteria(summary.criteria, a.thresholds, a.commitment.commitment);
  return summary.criteria.map((r) => ({
    ...r,
    status: 'review' as const,
    reason: `${r.title}: the lab's proof did not verify (${v.reason}); clinical review needed`,
  }));
}

/**
 * The determination at the inputs deadline, some inputs never posted: pended for manual review,
 * never approved or denied. Criteria nobody evaluated are not the provider's missing documents
 * (the data may well have been sent; a coalition member did not answer), so they ask for none.
 */
export function pendedForLateInputs(decision: Decision, absent: readonly string[]): Decision {
  const why = `not evaluated in time (no ${absent.join(', ') || 'input'} from the coalition): manual review`;
  const criteria: CriterionResult[] = decision.criteria.map((r) => {
    if (!r.reason.startsWith('Not evaluated:')) return r;
    const { missing: _asked, ...rest } = r;
    return { ...rest, status: 'review', reason: `${r.title}: ${why}` };
  });
  const missing = decision.missing.filter((m) => criteria.some((r) => r.status === 'missing' && r.missing?.description === m.description));
  const reasons = [
    ...criteria.filter((r) => r.status === 'missing' || r.status === 'review').map((r) => r.reason),
    `Not every input arrived within the time limit (${absent.join(', ') || 'none named'}): pended for manual review`,
  ];
  return { ...decision, outcome: 'pended', criteria, missing, reasons };
}

/** Payer: coverage policy lookup and the PA determination from everyone's inputs. */
export const policyReasoner: AgentProfile = {
  name: 'PolicyReasoner',
  description: "Looks up the payer's coverage policy and determines prior-authorization requests against it.",
  role: ROLES.policy,
  // An input that never comes (a member's work failing for good) must not hold the case open.
  pendsAtDeadline: ['pa-determination'],
  skills: [
    { id: 'coverage-policy', name: 'Coverage policy lookup', description: 'Finds and pins the policy that governs a service.', tags: ['payer', 'policy'] },
    { id: 'pa-determination', name: 'PA determination', description: "Evaluates the policy's criteria and decides.", tags: ['payer', 'determination'] },
  ],
  // With no policy (manual review) there is nothing to synthesize or screen, so no subtask that
  // could not run; otherwise the determination waits on the evidence and the genetics.
  propose: (task) => {
    const manual = isManualReview(task);
    return {
      domain: 'pa-determination',
      subtasks: [
        {
          id: 'policy-lookup',
          title: 'Pin the coverage policy',
          skill: 'coverage-policy',
          deps: [],
          confidence: 0.95,
          domain: 'pa-determination',
          outputs: outputsOf('policy-lookup'),
        },
        {
          id: 'coverage-determination',
          title: manual ? 'Pend each item for manual review' : 'Determine the request against the policy',
          skill: 'pa-determination',
          deps: manual ? ['policy-lookup'] : ['policy-lookup', 'evidence-synthesis', 'genomic-screening'],
          confidence: 0.95,
          domain: 'pa-determination',
          outputs: outputsOf('coverage-determination'),
        },
        // Outside its domain, its view of the genetics counts for little against the lab's.
        ...(manual
          ? []
          : [
              {
                id: 'genomic-screening',
                title: 'Genetic confirmation',
                skill: 'variant-annotation',
                deps: [],
                confidence: 0.7,
                domain: 'genomics',
                outputs: outputsOf('genomic-screening'),
              },
            ]),
      ],
    };
  },
  work: {
    'coverage-policy': async ({ case: c }) => {
      const p = policyFor(c.task.policy.id, c.task.policy.hash);
      return {
        sections: [
          section('policy-lookup', 'policy', {
            id: p.id,
            version: p.version,
            hash: c.task.policy.hash,
            criteria: p.criteria.map((k) => ({ id: k.id, title: k.title, evaluatedBy: k.evaluatedBy })),
          }),
        ],
      };
    },
    'pa-determination': async ({ case: c, ref, data, read, proofs, card, late }) => {
      const policy = policyFor(c.task.policy.id, c.task.policy.hash);
      if (policy.manualReview) {
        const [claim] = await data.fetch(ref, ['claim']);
        const decision = manualReviewDecision(policy, claim);
        return { sections: [section('coverage-determination', 'decision', decision)], outcome: decision.outcome };
      }
      const resources = await data.fetch(ref, [...new Set([...elementsFor(policy, 'payer'), 'claim' as const])]);
      const claim = resources.find((r) => r.resourceType === 'Claim');
      const payer = evaluateCriteria(policy, resources, { evaluatedBy: 'payer' });
      const summary = (await read('genomic-screening', 'summary')) as LabSummary | undefined;
      const labArtifact = c.subtasks.get('genomic-screening')?.artifact;
      const labCriteria = summary && labArtifact ? await labResults(c.id, policy, summary, proofs, card(labArtifact.author)) : [];
      const found = (await read('evidence-synthesis', 'evidence')) as EvidenceSummary | EvidenceNotFound | undefined;
      const evidence = found && !('found' in found) ? found : undefined;
      const interactions = (await read('drug-interaction', 'interactions')) as InteractionReport | undefined;
      const caveats: Caveat[] = interactions?.caveats ?? [];
      const decided = decide(policy, [...payer, ...labCriteria], {
        caveats,
        ...(evidence ? { evidence: { certainty: evidence.certainty, trials: evidence.trials.map((t) => t.id) } } : {}),
      });
      const absent = [...c.subtasks.values()]
        .filter((x) => x.id !== 'coverage-determination' && !x.artifact && !x.deps.includes('coverage-determination'))
        .map((x) => x.id);
      const decision = decideItems(policy, claim, late ? pendedForLateInputs(decided, absent) : decided);
      return { sections: [section('coverage-determination', 'decision', decision)], outcome: decision.outcome };
    },
  },
};
