import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeWorkflowGap } from '../../core/agents/domain/gap-validation.js';
import type { CaseState, CoalitionState, GapState } from '../../core/coordination/case-state.js';

const LAB = 'did:peer:lab';
const PV = 'did:peer:pv';
const card = (did: string, skills: string[]) => [did, { card: { did, skills: skills.map((id) => ({ id })) } }] as const;
// Only the fields the judgement reads: the directory of cards, the case's subtasks, the gap.
const state = (withPv = true) =>
  ({ cards: new Map([card(LAB, ['variant-annotation']), ...(withPv ? [card(PV, ['drug-interaction-analysis'])] : [])]) }) as unknown as CoalitionState;
const caseWith = (screening: { claimant?: string; artifact?: { id: string; author: string } }) =>
  ({ subtasks: new Map([['genomic-screening', { skill: 'variant-annotation', ...screening }]]) }) as unknown as CaseState;
const gap = (over: Partial<GapState> = {}) =>
  ({
    author: LAB,
    skill: 'drug-interaction-analysis',
    reasonCode: 'pgx-finding',
    subtask: { id: 'drug-interaction', deps: ['genomic-screening'], blocks: ['coverage-determination'] },
    ...over,
  }) as GapState;
const delivered = caseWith({ artifact: { id: 'art-1', author: LAB } });
const sections = (names: string[]) => (id: string) => (id === 'art-1' ? names : undefined);

test("a gap backed by the finder's posted evidence is endorsed; while the finder still works it waits", () => {
  assert.equal(judgeWorkflowGap(state(), delivered, gap(), sections(['detail', 'summary', 'pgx'])), 'endorse');
  assert.equal(judgeWorkflowGap(state(), caseWith({ claimant: LAB }), gap(), sections([])), undefined);
});

test('a gap no reason, card, evidence or authorship supports is rejected', () => {
  const pgx = sections(['detail', 'summary', 'pgx']);
  assert.equal(judgeWorkflowGap(state(), delivered, gap(), sections(['detail', 'summary'])), 'reject', 'no evidence section');
  assert.equal(judgeWorkflowGap(state(), delivered, gap({ reasonCode: 'hunch' }), pgx), 'reject', 'unknown reason');
  assert.equal(judgeWorkflowGap(state(), delivered, gap({ skill: 'oracle-consult' }), pgx), 'reject', 'the reason calls for another skill');
  assert.equal(judgeWorkflowGap(state(false), delivered, gap(), pgx), 'reject', 'no card could fill it');
  assert.equal(judgeWorkflowGap(state(), delivered, gap({ author: PV }), pgx), 'reject', 'raised by someone else than the finder');
  assert.equal(judgeWorkflowGap(state(), caseWith({ claimant: PV }), gap(), pgx), 'reject', 'the finder does not hold the evidence work');
  const noDep = gap({ subtask: { id: 'drug-interaction', title: 'x', deps: [], blocks: ['coverage-determination'], outputs: [] } });
  assert.equal(judgeWorkflowGap(state(), delivered, noDep, pgx), 'reject', 'does not take the evidence as input');
});
