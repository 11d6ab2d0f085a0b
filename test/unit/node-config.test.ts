import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MurmurError } from '../../core/common/errors.js';
import { parseNodeConfig } from '../../app/node/process/config.js';

const base = {
  v: 1,
  org: { id: 'northwind', name: 'Northwind Health Plan', kind: 'payer' },
  agents: ['PolicyReasoner', 'FormBuilder'],
  board: 'etcd://127.0.0.1:2379',
  fhir: 'https://fhir.northwind.example/fhir/R4',
  passphraseEnv: 'MURMUR_PASSPHRASE',
};
const fieldOf = (input: unknown): unknown => {
  try {
    parseNodeConfig(input, '/etc/murmur/northwind/config.json');
  } catch (e) {
    assert.ok(e instanceof MurmurError);
    return e.details.field;
  }
  assert.fail('expected the config to be refused');
};

test('a payer config may serve the PAS API and use SMART toward its FHIR server; paths resolve against the file', () => {
  const c = parseNodeConfig(
    {
      ...base,
      pas: { port: 8443, clients: 'pas-clients.json' },
      fhirAuth: { clientId: 'northwind-node', keyFile: 'fhir-client.jwk.json', scope: 'system/Patient.rs system/Claim.cr' },
    },
    '/etc/murmur/northwind/config.json',
  );
  assert.equal(c.pas?.clients, '/etc/murmur/northwind/pas-clients.json');
  assert.equal(c.pas?.syncWaitMs, 15_000);
  assert.equal(c.fhirAuth?.keyFile, '/etc/murmur/northwind/fhir-client.jwk.json');
});

test('the PAS API on a non-payer node, or a non-SMART scope, is refused naming the field', () => {
  assert.equal(fieldOf({ ...base, org: { ...base.org, id: 'helix', kind: 'clia-laboratory' }, pas: { clients: 'c.json' } }), 'pas');
  assert.equal(fieldOf({ ...base, fhirAuth: { clientId: 'x', keyFile: 'k.json', scope: 'patient/*.read' } }), 'fhirAuth.scope');
  assert.equal(fieldOf({ ...base, pas: { clients: 'c.json', syncWaitMs: -1 } }), 'pas.syncWaitMs');
});
