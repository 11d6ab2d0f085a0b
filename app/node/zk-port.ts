import type { Random } from '../../core/common/random.js';
import { cryptoRandom } from '../../core/common/random.js';
import type { ClinicalAttestation, ClinicalProofPort } from '../../core/agents/ports.js';
import {
  commitClinical,
  defaultZkBackend,
  proveClinicalPredicate,
  verifyClinicalPredicate,
  type ClinicalAttributes,
  type ClinicalThresholds,
  type ZkSigningKey,
} from '../../core/zk/index.js';

function meets(a: ClinicalAttributes, t: ClinicalThresholds): boolean {
  return (
    a.ageMonths <= t.maxAgeMonths &&
    a.smn1Copies <= t.maxSmn1Copies &&
    a.smn2Copies >= t.minSmn2Copies &&
    a.smn2Copies <= t.maxSmn2Copies &&
    a.titerDenominator <= t.maxTiterDenominator
  );
}

/**
 * Clinical predicate proofs over core/zk's Groth16 circuits. A lab's port holds its commitment
 * key; any port verifies. The circuit keys load (or build, once) on first use.
 */
export function clinicalProofPort(labKey?: ZkSigningKey, random: Random = cryptoRandom): ClinicalProofPort {
  return {
    kind: 'zk',
    labPublicKey: () => labKey?.publicKey,
    async attest(caseId, attributes, thresholds): Promise<ClinicalAttestation | undefined> {
      if (!labKey) throw new Error('this organization holds no commitment key');
      // Values that miss a threshold have no proof; the lab's signed summary says so instead.
      if (!meets(attributes, thresholds)) return undefined;
      const { prover } = await defaultZkBackend();
      const { commitment, opening } = await commitClinical(labKey, caseId, attributes, random);
      const proof = await proveClinicalPredicate(commitment, opening, thresholds, { prover });
      return { commitment, thresholds, proof };
    },
    async verify(attestation, expected) {
      const a = attestation as Partial<ClinicalAttestation> | undefined;
      if (!a?.proof || !a.commitment) return { ok: false, reason: 'malformed' };
      const { verifier } = await defaultZkBackend();
      // The lab's signature travels with its commitment and is checked against the lab's card key (the circuit does not check it).
      const v = await verifyClinicalPredicate(a.proof, { ...expected, commitment: a.commitment.commitment, signature: a.commitment.signature }, { verifier });
      return v.ok ? { ok: true } : { ok: false, reason: v.reason ?? 'invalid-proof' };
    },
  };
}
