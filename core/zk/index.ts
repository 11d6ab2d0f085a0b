/** core/zk: zero-knowledge role credentials and clinical predicates (circom + Groth16). */
export * from './artifacts.js';
export * from './babyjub.js';
export * from './backend.js';
export * from './ceremony.js';
export * from './clinical.js';
export * from './fields.js';
export * from './prover.js';
export * from './role.js';
export * from './selftest.js';
export * from './worker-pool.js';
