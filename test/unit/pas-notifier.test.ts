import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bundle, Parameters, Subscription } from '@medplum/fhirtypes';
import { FILTER_CRITERIA, HEARTBEAT_PERIOD, PAS_TOPIC, restHookNotifier, subscriptionProblem } from '../../app/node/pas/notifier.js';
import { parseSmartClients } from '../../fhir/smart/client-registry.js';
import { PasRecords } from '../../app/node/pas/records.js';
import { ManualClock } from '../../core/common/clock.js';

const ORG = 'http://hl7.org/fhir/sid/us-npi|1999999992';
const subscription = (endpoint: string, extra: Partial<Subscription['channel']> = {}): Subscription =>
  ({
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'PAS decisions',
    criteria: PAS_TOPIC,
    ...{ _criteria: { extension: [{ url: FILTER_CRITERIA, valueString: `org-identifier=${ORG}` }] } },
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json', header: ['Authorization: Bearer ehr-secret'], ...extra },
  }) as Subscription;
const answer: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      fullUrl: 'urn:uuid:1',
      resource: {
        resourceType: 'ClaimResponse',
        status: 'active',
        use: 'preauthorization',
        outcome: 'complete',
        created: '2026-01-01',
        insurer: {},
        type: {},
        patient: {},
      } as never,
    },
  ],
};

function withRecords(): PasRecords {
  const records = new PasRecords(':memory:');
  records.addSubscription({ id: 'sub-1', clientId: 'ehr', resource: subscription('http://ehr.example/hook'), events: 0, status: 'active' });
  records.addSubscription({ id: 'sub-other', clientId: 'other-ehr', resource: subscription('http://other.example/hook'), events: 0, status: 'active' });
  return records;
}

test('a notification that fails is retried with backoff until delivered, and every attempt is recorded', async () => {
  const records = withRecords();
  const calls: { url: string; headers: Record<string, string>; body: Bundle }[] = [];
  const answers = [
    () => Promise.reject(new Error('ECONNREFUSED')),
    () => Promise.resolve(new Response('', { status: 503 })),
    () => Promise.resolve(new Response('', { status: 200 })),
  ];
  const notifier = restHookNotifier({
    records,
    baseUrl: 'http://payer/fhir',
    backoffMs: [1, 1],
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, headers: init.headers as Record<string, string>, body: JSON.parse(init.body as string) as Bundle });
      return answers[calls.length - 1]!();
    }) as typeof fetch,
  });
  notifier.notify('ehr', 'case-1', answer, [ORG]);
  await notifier.idle();
  assert.equal(calls.length, 3, "only the client's own subscription is notified");
  assert.ok(calls.every((c) => c.url === 'http://ehr.example/hook'));
  assert.equal(calls[0]!.headers.authorization, 'Bearer ehr-secret', "the subscription's headers are sent");
  const body = calls[2]!.body;
  assert.equal(body.type, 'history');
  assert.equal(body.entry?.[0]?.resource?.resourceType, 'Parameters');
  assert.equal(body.entry?.[1]?.resource?.resourceType, 'ClaimResponse');
  assert.deepEqual(
    records.deliveries('sub-1').map((d) => [d.event, d.attempt, d.status, d.outcome]),
    [
      [1, 1, 0, 'failed'],
      [1, 2, 503, 'failed'],
      [1, 3, 200, 'delivered'],
    ],
  );
  assert.equal(records.subscription('sub-1')!.status, 'active');
  assert.equal(records.deliveries('sub-other').length, 0);
});

test('after the last failed attempt the subscription is set to error, and the record says it gave up', async () => {
  const records = withRecords();
  const notifier = restHookNotifier({
    records,
    baseUrl: 'http://payer/fhir',
    backoffMs: [1],
    maxAttempts: 3,
    fetch: (async () => new Response('', { status: 500 })) as unknown as typeof fetch,
  });
  notifier.notify('ehr', 'case-1', answer, [ORG]);
  await notifier.idle();
  assert.deepEqual(
    records.deliveries('sub-1').map((d) => d.outcome),
    ['failed', 'failed', 'gave-up'],
  );
  assert.equal(records.subscription('sub-1')!.status, 'error');
});

test('subscriptions the payer cannot serve are refused, naming the element', () => {
  const registered = ['https://ehr.example/hooks/'];
  assert.equal(subscriptionProblem(subscription('https://ehr.example/hooks/pas'), registered), undefined);
  assert.equal(subscriptionProblem(subscription('ftp://ehr.example/hooks/pas'), registered)?.path, 'Subscription.channel.endpoint');
  assert.equal(subscriptionProblem(subscription('https://ehr.example/hooks/pas', { type: 'websocket' }), registered)?.path, 'Subscription.channel.type');
  assert.equal(subscriptionProblem({ ...subscription('https://ehr.example/hooks/pas'), criteria: 'Patient?' }, registered)?.path, 'Subscription.criteria');
  assert.equal(
    subscriptionProblem(subscription('https://ehr.example/hooks/pas', { header: ['X-Evil: a\r\nInjected: b'] }), registered)?.path,
    'Subscription.channel.header',
  );
});

test('notifications go only where the client registered: same scheme, host and port, under the registered path', () => {
  const registered = ['https://ehr.example/hooks/'];
  for (const endpoint of [
    'http://ehr.example/hooks/pas', // plain http: PHI in clear
    'https://ehr.example.attacker.net/hooks/pas', // a host that merely starts the same
    'https://ehr.example:8443/hooks/pas', // another port
    'https://ehr.example/admin', // outside the registered path
    'https://user:pw@ehr.example/hooks/pas',
    'http://169.254.169.254/latest/meta-data', // the cloud metadata service
  ]) {
    const problem = subscriptionProblem(subscription(endpoint), registered);
    assert.equal(problem?.path, 'Subscription.channel.endpoint', endpoint);
    assert.equal(problem?.forbidden, true, endpoint);
  }
  assert.match(subscriptionProblem(subscription('https://ehr.example/hooks/pas'), [])!.text, /no notification endpoint registered/);
});

test('a client registry refuses notification endpoints that would send PHI in clear', () => {
  const client = (notificationEndpoints: string[]) => [
    { clientId: 'ehr', jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y' }] }, scopes: ['system/Claim.cr'], notificationEndpoints },
  ];
  assert.throws(() => parseSmartClients(client(['http://ehr.example/hooks/'])), /clients\[0\]\.notificationEndpoints\[0\] must be https/);
  assert.throws(() => parseSmartClients(client(['https://ehr.example/hooks/?token=1'])), /no credentials, query or fragment/);
  assert.deepEqual(parseSmartClients(client(['http://127.0.0.1:9999/hook', 'https://ehr.example/hooks/'])).get('ehr')!.notificationEndpoints, [
    'http://127.0.0.1:9999/hook',
    'https://ehr.example/hooks/',
  ]);
});

test('a registered endpoint without a trailing slash admits itself and what lies below it, never a sibling path', () => {
  const registered = ['https://ehr.example/notify', 'http://127.0.0.1:9000/hooks/'];
  for (const ok of ['https://ehr.example/notify', 'https://ehr.example/notify/pas', 'https://ehr.example:443/notify', 'http://127.0.0.1:9000/hooks/pas']) {
    assert.equal(subscriptionProblem(subscription(ok), registered), undefined, ok);
  }
  for (const sibling of [
    'https://ehr.example/notify-admin',
    'https://ehr.example/notifyx',
    'https://ehr.example/notify/../admin',
    'http://127.0.0.1:9000/hooks',
    'http://127.0.0.1:9000/hooksx/pas',
    'https://ehr.example/notify?x=1',
  ]) {
    assert.equal(subscriptionProblem(subscription(sibling), registered)?.forbidden, true, sibling);
  }
});

const typeOf = (b: Bundle): string | undefined => (b.entry?.[0]?.resource as Parameters).parameter?.find((p) => p.name === 'type')?.valueCode;

test('the org-identifier filter admits only cases of the organization it names; a Subscription without it is refused', async () => {
  const records = withRecords();
  const sent: Bundle[] = [];
  const notifier = restHookNotifier({
    records,
    baseUrl: 'http://payer/fhir',
    fetch: (async (_url: string, init: RequestInit) => (
      sent.push(JSON.parse(init.body as string) as Bundle),
      new Response('', { status: 200 })
    )) as typeof fetch,
  });
  notifier.notify('ehr', 'case-1', answer, ['http://hl7.org/fhir/sid/us-npi|1000000004']);
  notifier.notify('ehr', 'case-2', answer, []);
  await notifier.idle();
  assert.equal(sent.length, 0, "another organization's case, or one whose organization is unknown, is not sent");
  notifier.notify('ehr', 'case-3', answer, [ORG]);
  await notifier.idle();
  assert.equal(sent.length, 1);
  const { _criteria: _c, ...unfiltered } = subscription('https://ehr.example/hooks/pas') as Subscription & { _criteria?: unknown };
  assert.equal(subscriptionProblem(unfiltered, ['https://ehr.example/hooks/'])?.path, 'Subscription._criteria.extension');
  const bare = { ...subscription('https://ehr.example/hooks/pas'), _criteria: { extension: [{ url: FILTER_CRITERIA, valueString: '1999999992' }] } };
  assert.equal(subscriptionProblem(bare, ['https://ehr.example/hooks/'])?.path, 'Subscription._criteria.extension', 'a filter must say what it filters by');
});

test('a handshake is one POST with no event; heartbeats go out each idle period until the subscription is unwatched', async () => {
  const records = withRecords();
  const sent: Bundle[] = [];
  let status = 200;
  const pending: (() => void)[] = [];
  const timers = { setTimeout: (fn: () => void) => (pending.push(fn), pending.length), clearTimeout: () => pending.splice(0) };
  const clock = new ManualClock(0);
  const notifier = restHookNotifier({
    records,
    baseUrl: 'http://payer/fhir',
    timers,
    clock,
    fetch: (async (_url: string, init: RequestInit) => (sent.push(JSON.parse(init.body as string) as Bundle), new Response('', { status }))) as typeof fetch,
  });
  const sub = records.subscription('sub-1')!;
  assert.equal(await notifier.handshake(sub), true);
  assert.equal(typeOf(sent[0]!), 'handshake');
  assert.equal(sent[0]!.entry!.length, 1, 'the SubscriptionStatus alone');
  status = 404;
  assert.equal(await notifier.handshake(sub), false, 'an endpoint that refuses the handshake is not active');
  notifier.watch({ ...sub, resource: { ...sub.resource, channel: { ...sub.resource.channel, extension: [{ url: HEARTBEAT_PERIOD, valueUnsignedInt: 60 }] } } });
  status = 200;
  clock.advance(60_000);
  pending.shift()!();
  clock.advance(60_000);
  pending.shift()!();
  await notifier.idle();
  assert.deepEqual(sent.slice(2).map(typeOf), ['heartbeat', 'heartbeat']);
  notifier.unwatch('sub-1');
  assert.equal(pending.length, 0, 'no heartbeat is scheduled once unwatched');
  await notifier.close();
});
