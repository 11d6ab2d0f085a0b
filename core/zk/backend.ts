/** The process-wide default prover and verifier, over the cached artifacts. */
import { ensureCircuitArtifacts, type EnsureArtifactsOptions } from './artifacts.js';
import { onZkShutdown, type ZkProver, type ZkVerifier } from './prover.js';
import { ZkWorkerPool } from './worker-pool.js';

export interface ZkBackend {
  prover: ZkProver;
  verifier: ZkVerifier;
}

/** Which prover/verifier a high-level call uses; defaults to the snarkjs backend. */
export interface ZkCallOptions {
  prover?: ZkProver;
  verifier?: ZkVerifier;
}

let backend: Promise<ZkBackend> | undefined;

/**
 * Builds (once per process) the snarkjs backend over ensureCircuitArtifacts(options): a pool
 * of worker threads, one per core, that proves and verifies off the main thread.
 */
export function defaultZkBackend(options?: EnsureArtifactsOptions): Promise<ZkBackend> {
  if (!backend) {
    backend = ensureCircuitArtifacts(options).then((a) => {
      const pool = new ZkWorkerPool(a);
      return { prover: pool, verifier: pool };
    });
    backend.catch(() => (backend = undefined));
  }
  return backend;
}

// shutdownZk() closes the pool; the next call builds a new one.
onZkShutdown(async () => {
  const current = backend;
  backend = undefined;
  const b = await current?.catch(() => undefined);
  if (b?.prover instanceof ZkWorkerPool) await b.prover.close();
});

export async function proverFor(options?: ZkCallOptions): Promise<ZkProver> {
  return options?.prover ?? (await defaultZkBackend()).prover;
}

export async function verifierFor(options?: ZkCallOptions): Promise<ZkVerifier> {
  return options?.verifier ?? (await defaultZkBackend()).verifier;
}
