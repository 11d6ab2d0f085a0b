import type { Section } from '../../board/envelope.js';
import type { CaseState, Subtask } from '../../coordination/case-state.js';
import type { AgentCard, Output, Proposal, TaskAvailable } from '../../coordination/messages.js';
import type { Outcome } from '../clinical/types.js';
import type { CaseDataRef, ClinicalDataPort, ClinicalProofs, PasFormPort } from '../ports.js';

/** What a domain agent's work function is handed: its subtask, its inputs, its ports. */
export interface WorkInput {
  case: CaseState;
  subtask: Subtask;
  ref: CaseDataRef;
  /** A section of another subtask's artifact, where this agent may read it. */
  read(subtask: string, section: string): Promise<unknown>;
  data: ClinicalDataPort;
  /** Builds the PAS ClaimResponse at a payer, else `noForms`. */
  forms: PasFormPort;
  /** Board time of the latest entry this agent has seen. */
  boardTime: number;
  /** Zero-knowledge clinical predicates where the node has them on, else `noProofs`. */
  proofs: ClinicalProofs;
  /** The directory of agent cards (credential-backed). */
  card(did: string): AgentCard | undefined;
  /**
   * True when the work runs past the round's inputs deadline without every input: the result
   * must be a pend (the fold accepts nothing else without the inputs).
   */
  late?: boolean;
}

export interface GapDraft {
  skill: string;
  reasonCode: string;
  subtask: { id: string; title: string; deps: string[]; blocks: string[]; outputs: Output[] };
}

export interface WorkResult {
  sections: Section[];
  outcome?: Outcome;
  /** Capability gaps found while working, posted before the artifact. */
  gaps?: GapDraft[];
}

export type WorkFn = (input: WorkInput) => Promise<WorkResult>;

export interface BidDraft {
  cost: number;
  quality: number;
  latency: number;
  justification: string;
}

/** A domain agent: its card (less the ids the wallet fills in), its proposals and its work. */
export interface AgentProfile {
  name: string;
  description: string;
  role: string;
  skills: AgentCard['skills'];
  /** Its view of how to decompose a case, from its own domain. */
  propose(task: TaskAvailable): Proposal | undefined;
  /** Work per skill id. */
  work: Record<string, WorkFn>;
  /** Skills whose work may run at the inputs deadline without every input, and then pends. */
  pendsAtDeadline?: readonly string[];
  /** Its offer for a gap it could fill (contract net); undefined = no bid. */
  bid?(gap: { skill: string; reasonCode: string }): BidDraft | undefined;
}
