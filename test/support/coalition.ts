import { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { Clock } from '../../core/common/clock.js';
import { seededRandom } from '../../core/common/random.js';
import type { FhirResource } from '../../core/agents/clinical/types.js';
import type { CoalitionAgent } from '../../core/agents/runtime/coalition-agent.js';
import { startCoalition, type Coalition, type CoalitionOptions } from '../../app/node/coalition.js';
import { bundleResources, syntheticRequest, type CaseVariant } from '../../fhir/synthetic/index.js';
import { BundleDataPort, recordingForms } from './bundle-port.js';

export const MEMORY_REF = { fhirBase: 'memory:', patient: 'Patient/p', claim: 'Claim/c' };

/** A coalition over an in-memory board and an in-memory FHIR port, for fast protocol tests. */
export async function memoryCoalition(
  variant: CaseVariant,
  opts: { seed?: number; clock?: Clock; data?: CoalitionOptions['data'] } & Pick<
    CoalitionOptions,
    'privacy' | 'roleOverride' | 'zkRoles' | 'reducer' | 'beaconMs'
  > = {},
): Promise<{ coalition: Coalition; port: BundleDataPort; store: MemoryBoardStore }> {
  const resources = bundleResources(syntheticRequest(variant)) as FhirResource[];
  const port = new BundleDataPort(() => resources);
  const store = new MemoryBoardStore(opts.clock);
  const coalition = await startCoalition({
    store,
    data: opts.data ?? ((org) => port.forOrg(org.id)),
    forms: recordingForms,
    random: seededRandom(opts.seed ?? 1),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.privacy !== undefined ? { privacy: opts.privacy } : {}),
    ...(opts.roleOverride ? { roleOverride: opts.roleOverride } : {}),
    ...(opts.zkRoles ? { zkRoles: true } : {}),
    ...(opts.reducer ? { reducer: opts.reducer } : {}),
    ...(opts.beaconMs !== undefined ? { beaconMs: opts.beaconMs } : {}),
  });
  return { coalition, port, store };
}

export function agentNamed(coalition: Coalition, name: string): CoalitionAgent {
  for (const n of coalition.nodes) for (const a of n.agents) if (a.card.name === name) return a;
  throw new Error(`no agent ${name}`);
}

/** Resolves when the payer's replica holds a record matching `probe`. */
export function waitForRecord(
  coalition: Coalition,
  probe: (r: { kind: string; author: string; status: string; reason?: string }) => boolean,
  timeoutMs = 15_000,
) {
  const replica = coalition.payer.replica;
  return new Promise<{ kind: string; status: string; reason?: string }>((resolve, reject) => {
    const hit = () => replica.fold.records.find(probe);
    const found = hit();
    if (found) return resolve(found);
    const stop = replica.onRecord(() => {
      const r = hit();
      if (r) {
        stop();
        clearTimeout(t);
        resolve(r);
      }
    });
    const t = setTimeout(() => (stop(), reject(new Error('record not seen in time'))), timeoutMs);
  });
}
