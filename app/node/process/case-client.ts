import { readFileSync } from 'node:fs';
import { MurmurError, errorMessage } from '../../../core/common/errors.js';
import { storeRequestBundle } from '../../../fhir/adapters/request-intake.js';
import type { PasRequest } from '../../../fhir/pas/request.js';

export interface SubmittedCase {
  caseId: string;
  outcome: string;
  decision: unknown;
  claimResponse: unknown;
}

/** A node's API and its bearer token (from the node's `api-token` file). */
export interface NodeApiRef {
  url: string;
  token: string;
}

/** Reads a node API token file (E_INPUT naming the file when it cannot). */
export function readNodeApiToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new MurmurError('E_INPUT', `--token-file: cannot read ${path}: ${errorMessage(e)}`, { field: 'token-file' });
  }
}

/** Stores a PAS request on the FHIR server, opens the case at the payer node, waits for its end. */
export async function submitAndWait(
  node: NodeApiRef,
  fhirBase: string,
  request: PasRequest,
  timeoutMs: number,
  progress: (line: string) => void = () => undefined,
): Promise<SubmittedCase> {
  const ref = await storeRequestBundle(fhirBase, request);
  const api = node.url.replace(/\/+$/, '');
  const res = await fetch(`${api}/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${node.token}` },
    body: JSON.stringify(ref),
  });
  const opened = (await res.json()) as { caseId?: string; error?: { message?: string } };
  if (!res.ok || !opened.caseId) throw new MurmurError('E_INPUT', `payer node refused the case: ${opened.error?.message ?? res.status}`);
  progress(`case ${opened.caseId} opened at ${api}`);
  return waitForCase({ url: api, token: node.token }, opened.caseId, timeoutMs, progress);
}

/** Polls a node until the case is dissolved and scored (a payer node answers with the decision). */
export async function waitForCase(
  node: NodeApiRef,
  caseId: string,
  timeoutMs: number,
  progress: (line: string) => void = () => undefined,
): Promise<SubmittedCase> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${node.url}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${node.token}` }, signal: AbortSignal.timeout(5_000) });
      if (res.ok) {
        const body = (await res.json()) as { status: string; done: boolean; outcome: string | null; decision?: unknown; claimResponse?: unknown };
        if (body.status !== last) progress(`case ${caseId}: ${(last = body.status)}`);
        if (body.done && body.outcome) return { caseId, outcome: body.outcome, decision: body.decision, claimResponse: body.claimResponse };
      }
    } catch {
      // the node is restarting: keep polling until the deadline
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new MurmurError('E_TIMEOUT', `case ${caseId} did not finish within ${timeoutMs} ms (last status ${last || 'unknown'})`);
}
