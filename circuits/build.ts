/**
 * Builds (or finds in the cache) the circuits' compiled artifacts and Groth16 keys, printing
 * progress on stderr. Usage: `node dist/circuits/build.js [--cache DIR]`.
 */
import { ensureCircuitArtifacts, CIRCUIT_NAMES } from '../core/zk/artifacts.js';
import { shutdownZk } from '../core/zk/prover.js';
import { errorMessage } from '../core/common/errors.js';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--cache');
  const cacheRoot = i >= 0 ? process.argv[i + 1] : undefined;
  const a = await ensureCircuitArtifacts({ cacheRoot });
  for (const name of CIRCUIT_NAMES) {
    const c = a.circuits[name];
    process.stdout.write(`${name}: ${c.constraints} constraints, ${c.nPublic} public signals, zkey ${c.zkey}, vkey ${c.vkeyPath}\n`);
  }
  process.stdout.write(`cache: ${a.dir}\n`);
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`zk build failed: ${errorMessage(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => shutdownZk());
