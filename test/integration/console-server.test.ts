import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readPasRequestFile } from '../../fhir/pas/request.js';
import { LogHub } from '../../app/node/console/logs.js';
import { startConsoles, type Consoles } from '../../app/node/console/launch.js';
import type { CaseView, DecisionCard, DisclosureMatrix, EntryDetail, Session } from '../../app/node/console/protocol.js';
import { startEmbedded, type Embedded } from '../../app/node/embedded.js';
import { readHeads } from '../../app/node/audit/board-log.js';
import { boardKeys } from '../../app/node/audit/board-state.js';
import { signInOperator } from '../support/console-sign-in.js';
import { pdfText } from '../support/pdf-text.js';
import { SignIn } from '../../app/node/console/sign-in.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

describe('console server', () => {
  let dir: string;
  let env: Embedded;
  let consoles: Consoles;
  let pended: string;
  let approved: string;
  const of = (org: string) => consoles.consoles.find((c) => c.org.id === org)!.server;
  const call = async (org: string, path: string, init: RequestInit = {}, token = of(org).token): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${of(org).url}api/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()) };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'murmur-console-'));
    env = await startEmbedded({ dataDir: dir });
    const logs = new LogHub();
    consoles = await startConsoles(env, { root, uiDir: join(root, 'app', 'ui', 'dist'), logs });
    approved = (await env.run(await readPasRequestFile(join(root, 'fhir', 'synthetic', 'bundles', 'reference.json')))).caseId;
    pended = (await env.run(await readPasRequestFile(join(root, 'fhir', 'synthetic', 'bundles', 'missing-titer.json')))).caseId;
  });

  after(async () => {
    await consoles.close();
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and refuses requests without the launch token', async () => {
    for (const c of consoles.consoles) assert.match(c.server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await call('northwind', 'cases', {}, 'wrong')).status, 401);
    assert.equal((await fetch(`${of('northwind').url}api/cases`)).status, 401);
    assert.notEqual(of('northwind').token, of('helix').token);
  });

  it('refuses a request addressed to another host name (DNS rebinding)', async () => {
    const status = await new Promise<number>((res, rej) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: of('northwind').port,
          path: '/api/session',
          headers: { host: 'evil.example:80', authorization: `Bearer ${of('northwind').token}` },
        },
        (r) => res(r.statusCode ?? 0),
      );
      req.on('error', rej);
      req.end();
    });
    assert.equal(status, 421);
  });

  it('describes the session and the cases of each organization', async () => {
    const s = (await call('northwind', 'session')).body as Session;
    assert.equal(s.org.id, 'northwind');
    assert.equal(s.canAdjudicate, true);
    assert.ok(s.variants.includes('reference'));
    assert.equal(((await call('helix', 'session')).body as Session).canSubmit, false);
    const cases = (await call('helix', 'cases')).body as CaseView[];
    const c = cases.find((x) => x.id === approved)!;
    // The outcome is sealed to the payer's readers: the lab's console knows the case is decided, not how.
    assert.equal(c.outcome, undefined);
    assert.equal(c.status, 'dissolved');
    assert.equal(((await call('northwind', 'cases')).body as CaseView[]).find((x) => x.id === approved)!.outcome, 'approved');
    assert.ok(
      c.subtasks.some((st) => st.mine && st.id === 'genomic-screening'),
      'the lab sees its claim',
    );
    assert.ok(
      c.gaps.some((g) => g.mine),
      'the lab sees the gap it raised',
    );
  });

  it('answers bad input with a clear error naming the field', async () => {
    const r = await call('northwind', `cases/${pended}/adjudication`, { method: 'POST', body: JSON.stringify({ outcome: 'maybe', reasonCode: 'x' }) });
    assert.equal(r.status, 400);
    assert.equal((r.body as { error: { field: string } }).error.field, 'outcome');
    assert.equal((await call('northwind', 'board?from=0')).status, 400);
    assert.equal((await call('northwind', 'entries/not-an-id')).status, 400);
    assert.equal((await call('northwind', 'cases/case-nope')).status, 404);
  });

  it("shows why a case was pended: each criterion's result, reason and evidence, the missing documents and the PAS reviewAction", async () => {
    const d = (await call('northwind', `cases/${pended}/decision`)).body as DecisionCard;
    assert.equal(d.readable, true);
    assert.equal(d.coalitionOutcome, 'pended');
    assert.equal(d.current.outcome, 'pended');
    const titer = d.criteria!.find((c) => c.id === 'aav9-titer')!;
    assert.ok(titer.status === 'missing' || titer.status === 'review', titer.status);
    assert.ok(titer.reason.length > 10, 'the reason in words');
    assert.ok(
      d.missing.some((m) => m.code === '11502-2' && m.system === 'http://loinc.org'),
      'the missing document by LOINC code',
    );
    assert.ok(
      d.criteria!.every((c) => c.evidence.some((l) => l.entry === d.determination!.entry)),
      'every result links its determination entry',
    );
    const lab = d.criteria!.find((c) => c.evaluatedBy === 'lab')!;
    const labArtifact = ((await call('northwind', `cases/${pended}`)).body as CaseView).subtasks.find((x) => x.id === 'genomic-screening')!.artifact!;
    assert.ok(
      lab.evidence.some((l) => l.entry === labArtifact.id && l.proof !== undefined),
      "a lab result links the lab's signed screen and says what its proof showed",
    );
    assert.equal(d.reviewAction?.code, 'A4');
    assert.equal(d.claimResponse?.version, 'coalition');
    // The approved case: all met, certified.
    const a = (await call('northwind', `cases/${approved}/decision`)).body as DecisionCard;
    assert.ok(a.criteria!.every((c) => c.status === 'met'));
    assert.equal(a.reviewAction?.code, 'A1');
    // Another organization is told why it cannot read the determination.
    const lock = (await call('helix', `cases/${pended}/decision`)).body as DecisionCard;
    assert.equal(lock.readable, false);
    assert.match(lock.message ?? '', /disclosure policy/);
    assert.equal(lock.criteria, undefined);
  });

  it("puts a pended case on the payer's worklist with its due time, and an overdue one in Problems", async () => {
    const c = ((await call('northwind', 'cases')).body as CaseView[]).find((x) => x.id === pended)!;
    assert.equal(c.work.state, 'to-decide');
    assert.equal(c.work.timeframe.hours, 168, "CMS-0057-F's standard 7 days by default");
    assert.equal(c.work.dueAt, c.opened.at + 168 * 3_600_000);
    assert.equal(c.work.overdue, false);
    assert.equal(((await call('northwind', 'cases')).body as CaseView[]).find((x) => x.id === approved)!.work.state, 'decided');
    // A payer on a 24 h clock, looked at two days later: the pended case is overdue.
    const later = await startConsoles(env, {
      root,
      uiDir: join(root, 'app', 'ui', 'dist'),
      logs: new LogHub(),
      timeframes: { standardHours: 24, expeditedHours: 12 },
      now: () => Date.now() + 48 * 3_600_000,
    });
    try {
      const payer = later.consoles.find((x) => x.org.id === 'northwind')!.server;
      const get = async (path: string) => (await fetch(`${payer.url}api/${path}`, { headers: { authorization: `Bearer ${payer.token}` } })).json();
      const late = ((await get('cases')) as CaseView[]).find((x) => x.id === pended)!;
      assert.equal(late.work.overdue, true);
      const problems = (await get('problems')) as { kind: string; case?: string; severity: string }[];
      assert.ok(problems.some((p) => p.kind === 'overdue' && p.case === pended && p.severity === 'warning'));
      assert.ok(!problems.some((p) => p.kind === 'overdue' && p.case === approved), 'a decided case is not overdue');
    } finally {
      await later.close();
    }
  });

  it('signs an operator in by key: a challenge their wallet key signs opens a session; a wrong secret, a foreign key or a spent challenge does not', async () => {
    const link = new URL(of('northwind').operators.find((x) => x.id === 'okafor')!.launchUrl);
    const unlock = link.searchParams.get('unlock')!;
    const post = (path: string, body: unknown, token?: string) => call('northwind', path, { method: 'POST', body: JSON.stringify(body) }, token);
    const challenge = async (operator = 'okafor') => ((await post('sign-in/challenge', { operator })).body as { challenge: string }).challenge;
    assert.equal((await post('sign-in/challenge', { operator: 'nobody' })).status, 404);
    assert.equal(
      (await call('northwind', 'sign-in/challenge', { method: 'POST', body: '{"operator":"okafor"}' }, 'wrong')).status,
      401,
      'the desk link is needed to sign in at all',
    );
    // A wrong unlock secret is refused, and spends the challenge: it cannot be tried again.
    const c1 = await challenge();
    const wrong = await post('sign-in', { operator: 'okafor', challenge: c1, unlock: 'x'.repeat(unlock.length) });
    assert.equal(wrong.status, 401);
    assert.equal((wrong.body as { error: { field: string } }).error.field, 'unlock');
    assert.equal((await post('sign-in', { operator: 'okafor', challenge: c1, unlock })).status, 401, 'a spent challenge');
    // A signature by another operator's key over okafor's challenge is refused.
    const wallet = env.coalition.orgs!.find((x) => x.spec.id === 'northwind')!.wallet;
    const c2 = await challenge();
    const foreign = await post('sign-in', {
      operator: 'okafor',
      challenge: c2,
      signature: SignIn.sign(wallet.operator('lindqvist'), env.coalition.payer.did, link.origin, c2),
    });
    assert.equal((foreign.body as { error: { field: string } }).error.field, 'signature');
    // A challenge for one operator does not sign in another.
    const c3 = await challenge('lindqvist');
    assert.equal((await post('sign-in', { operator: 'okafor', challenge: c3, unlock })).status, 401);
    // Okafor's own key, from a signer outside the console, opens a session in her name.
    const c4 = await challenge();
    const ok = await post('sign-in', {
      operator: 'okafor',
      challenge: c4,
      signature: SignIn.sign(wallet.operator('okafor'), env.coalition.payer.did, link.origin, c4),
    });
    assert.equal(ok.status, 201);
    const session = (ok.body as { session: string }).session;
    const me = (await call('northwind', 'session', {}, session)).body as Session;
    assert.equal(me.operator?.name, 'Amara Okafor');
    assert.ok(me.operator!.expiresAt! > me.operator!.signedInAt!);
    assert.equal(((await call('northwind', 'session')).body as Session).operator, undefined, 'the desk link alone is no operator');
    assert.equal((await call('northwind', 'session', {}, unlock)).status, 401, 'the unlock secret is not a bearer token');
    // Sign-out ends the session.
    assert.equal((await post('sign-out', {}, session)).status, 200);
    assert.equal((await call('northwind', 'session', {}, session)).status, 401);
  });

  it("runs an expedited request (Claim priority stat) on the payer's expedited clock, on every member's worklist", async () => {
    const request = await readPasRequestFile(join(root, 'fhir', 'synthetic', 'bundles', 'missing-titer.json'));
    const stat = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'stat' }] };
    request.claim.priority = stat;
    for (const e of request.bundle.entry ?? []) if (e.resource?.resourceType === 'Claim') (e.resource as { priority?: unknown }).priority = stat;
    const urgent = (await env.run(request)).caseId;
    // On the board as a code in TaskAvailable's header, nothing more.
    const opened = env.coalition.payer.replica.state.cases.get(urgent)!.opened;
    assert.equal((env.coalition.payer.replica.entry(opened.id)!.envelope.header as { priority?: string }).priority, 'expedited');
    const c = ((await call('northwind', 'cases')).body as CaseView[]).find((x) => x.id === urgent)!;
    assert.deepEqual(c.work.timeframe, { kind: 'expedited', hours: 72 }, "CMS-0057-F's 72 h by default");
    assert.equal(c.work.dueAt, c.opened.at + 72 * 3_600_000);
    await env.coalition.nodes[2]!.replica.catchUp();
    assert.equal(((await call('helix', `cases/${urgent}`)).body as CaseView).work.timeframe.kind, 'expedited', 'the lab reads the same clock');
    assert.equal(((await call('northwind', `cases/${pended}`)).body as CaseView).work.timeframe.kind, 'standard', 'a normal-priority request stays standard');
    // A payer with its own expedited clock (24 h) puts the case due sooner.
    const fast = await startConsoles(env, {
      root,
      uiDir: join(root, 'app', 'ui', 'dist'),
      logs: new LogHub(),
      timeframes: { standardHours: 96, expeditedHours: 24 },
    });
    try {
      const payer = fast.consoles.find((x) => x.org.id === 'northwind')!.server;
      const v = (await (await fetch(`${payer.url}api/cases/${urgent}`, { headers: { authorization: `Bearer ${payer.token}` } })).json()) as CaseView;
      assert.deepEqual(v.work.timeframe, { kind: 'expedited', hours: 24 });
    } finally {
      await fast.close();
    }
  });

  it('lets only the requesting payer adjudicate, only a pended case, and records it on the board', async () => {
    const body = JSON.stringify({ outcome: 'approved', reasonCode: 'titer-documented', note: 'titer on file' });
    const operator = of('northwind').operators[0]!;
    const opToken = await signInOperator(operator.launchUrl);
    const asOperator = { method: 'POST', body };
    assert.equal((await call('helix', `cases/${pended}/adjudication`, { method: 'POST', body })).status, 403);
    assert.equal((await call('northwind', `cases/${approved}/adjudication`, asOperator, opToken)).status, 409);
    const anonymous = await call('northwind', `cases/${pended}/adjudication`, { method: 'POST', body });
    assert.equal(anonymous.status, 403, 'the launch token alone does not decide: a decision needs a signed-in operator');
    assert.match((anonymous.body as { error: { message: string } }).error.message, /sign in as an operator/);
    const session = (await call('northwind', 'session', {}, opToken)).body as Session;
    assert.equal(session.operator?.name, operator.name);
    const r = await call('northwind', `cases/${pended}/adjudication`, asOperator, opToken);
    assert.equal(r.status, 201);
    assert.equal((r.body as { status: string }).status, 'accepted');
    assert.equal((await call('northwind', `cases/${pended}/adjudication`, asOperator, opToken)).status, 409, 'a final decision closes the matter');
    // Every replica folds the same decision.
    await env.coalition.nodes[2]!.replica.catchUp();
    const seen = ((await call('helix', `cases/${pended}`)).body as CaseView).adjudication;
    assert.equal(seen?.outcome, 'decided', 'the lab sees that the payer decided, not what (sealed)');
    assert.equal(seen?.reasonCode, 'titer-documented');
    assert.equal(((await call('northwind', `cases/${pended}`)).body as CaseView).adjudication?.outcome, 'approved');
    // The operator's own key signed it; the payer knows them by name, the lab by id only.
    const mine = ((await call('northwind', `cases/${pended}`)).body as CaseView).current.decidedBy;
    assert.equal(mine?.operator, operator.name);
    assert.equal(seen && ((await call('helix', `cases/${pended}`)).body as CaseView).current.decidedBy?.operator, `operator ${operator.id}`);
  });

  it("after the operator's decision shows it as the current outcome and serves the adjudicated ClaimResponse", async () => {
    const c = (await call('northwind', `cases/${pended}`)).body as CaseView;
    assert.equal(c.current.outcome, 'approved');
    assert.equal(c.current.coalition, 'pended');
    assert.equal(c.current.reasonCode, 'titer-documented');
    assert.ok(c.current.decidedBy && c.current.at);
    const served = (await call('northwind', `cases/${pended}/claim-response`)).body as {
      version: string;
      claimResponse: { outcome: string; preAuthRef?: string };
    };
    assert.equal(served.version, 'adjudicated');
    assert.equal(served.claimResponse.outcome, 'complete');
    assert.ok(served.claimResponse.preAuthRef, 'an approval carries the authorization number');
    const d = (await call('northwind', `cases/${pended}/decision`)).body as DecisionCard;
    assert.equal(d.reviewAction?.code, 'A1', 'the card shows the answer the provider now receives');
    assert.equal(d.coalitionOutcome, 'pended');
    const res = await fetch(`${of('northwind').url}api/cases/${pended}/claim-response?download=1&token=${of('northwind').token}`);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="ClaimResponse-.*\.json"/);
    assert.equal(((await res.json()) as { resourceType: string }).resourceType, 'ClaimResponse');
    assert.equal((await call('helix', `cases/${pended}/claim-response`)).status, 403, 'only the requesting payer gets the ClaimResponse');
    // An operator's reads go into the organization's audit trail under their name.
    const operator = of('northwind').operators[0]!;
    const opToken = await signInOperator(operator.launchUrl);
    assert.equal((await call('northwind', `cases/${pended}/decision`, {}, opToken)).status, 200);
    const trail = (await call('northwind', 'audit')).body as {
      entries: { kind: string; operator?: string; case?: string; section?: string }[];
      trail: { ok: boolean };
    };
    assert.ok(trail.entries.some((e) => e.kind === 'decrypt' && e.operator === operator.name && e.case === pended && e.section === 'decision'));
    assert.equal(trail.trail.ok, true, 'the trail with operator reads still verifies');
  });

  it('locks a section the organization may not read, with the policy as the reason', async () => {
    const c = (await call('evidentia', `cases/${approved}`)).body as CaseView;
    const art = c.subtasks.find((x) => x.id === 'genomic-screening')!.artifact!;
    const d = (await call('evidentia', `entries/${art.id}`)).body as EntryDetail;
    const locked = d.sections.find((s) => !s.access.readable)!;
    assert.ok(locked, 'some section of the lab report is not for the evidence vendor');
    const r = await call('evidentia', `entries/${art.id}/sections/${locked.name}`);
    assert.equal(r.status, 403);
    assert.equal((r.body as { error: { reason: string } }).error.reason, 'policy');
    const own = await call('helix', `entries/${art.id}/sections/${locked.name}`);
    assert.equal(own.status, 200, 'the author reads its own section');
  });

  it('computes a disclosure matrix within policy, verifies the chain and exports a PDF', async () => {
    const m = (await call('vigilant', `cases/${approved}/disclosure`)).body as DisclosureMatrix;
    assert.equal(m.withinPolicy, true);
    assert.equal(m.orgs.length, 4);
    // The case's own request section: each member's cell links the AccessRequest and KeyGrant it was read through.
    for (const org of ['evidentia', 'helix', 'vigilant']) {
      const cell = m.cells.find((x) => x.org === org && x.element === 'case/request')!;
      assert.ok(cell.couldDecrypt, `${org} holds a key for the request`);
      assert.ok(cell.access?.[0]?.request.index && cell.access[0].grant?.index, `${org}: the request row links its AccessRequest and KeyGrant`);
    }
    const audit = (await call('vigilant', 'audit')).body as { board: { chainsIntact: boolean; merkleRoot: string; head: number }; trail: { ok: boolean } };
    assert.equal(audit.board.chainsIntact, true);
    // The console shows the RFC 9162 root the organizations' witnesses sign for that size (a
    // witness signs within 100 ms of folding; the size may fall between its batches, whose
    // roots the leaf lines give).
    const witnessed = async (): Promise<string | undefined> => {
      for (let i = 0; i < 50; i++) {
        const found = readHeads(dir, boardKeys).heads.filter((h) => h.file === 'vigilant');
        const root = found.find((h) => h.head.size === audit.board.head)?.head.root;
        if (root) return root;
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    };
    assert.equal(audit.board.merkleRoot, await witnessed());
    assert.equal(audit.trail.ok, true);
    const pdf = await call('vigilant', 'audit/report.pdf');
    assert.equal(pdf.status, 200);
    assert.equal((pdf.body as Buffer).subarray(0, 5).toString(), '%PDF-');
  });

  it('after a request for information the case waits for the provider, and still takes a decision', async () => {
    const other = (await env.run(await readPasRequestFile(join(root, 'fhir', 'synthetic', 'bundles', 'missing-titer.json')))).caseId;
    const opToken = await signInOperator(of('northwind').operators[0]!.launchUrl);
    const post = (body: unknown) => call('northwind', `cases/${other}/adjudication`, { method: 'POST', body: JSON.stringify(body) }, opToken);
    assert.equal((await post({ outcome: 'info-requested', reasonCode: 'send-titer' })).status, 201);
    const c = (await call('northwind', `cases/${other}`)).body as CaseView;
    assert.equal(c.current.outcome, 'waiting-for-provider');
    assert.equal(c.work.state, 'waiting-for-provider');
    assert.equal(c.work.waitingSince, c.current.at);
    assert.equal(c.work.overdue, false, 'the payer is not late while the provider owes information');
    assert.equal((await post({ outcome: 'denied', reasonCode: 'no-titer-received' })).status, 201);
    assert.equal(((await call('northwind', `cases/${other}`)).body as CaseView).current.outcome, 'denied');
  });

  /** The CLI, run without blocking this process's event loop (the consoles under test keep serving). */
  const murmur = (...args: string[]) =>
    new Promise<{ status: number; stderr: string }>((res) => {
      execFile(process.execPath, [join(root, 'bin', 'murmur.js'), ...args], { timeout: 120_000 }, (e, _out, stderr) =>
        res({ status: e ? ((e as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });

  it("`murmur audit report` writes, from the run's folder, the payer console's report with the sealed outcomes left sealed", async () => {
    // The run keeps the payer's sealed wallet (as `murmur console` does): the CLI reads operator names from its cleartext.
    const wallet = env.coalition.orgs!.find((x) => x.spec.id === 'northwind')!.wallet;
    mkdirSync(join(dir, 'wallets'), { recursive: true });
    writeFileSync(join(dir, 'wallets', 'northwind.json'), JSON.stringify(await wallet.seal('a passphrase for the test', undefined, { N: 1024, r: 8, p: 1 })));
    const fromConsole = pdfText((await call('northwind', `audit/report.pdf?case=${pended}`)).body as Buffer);
    const out = join(dir, 'cli-report.pdf');
    const r = await murmur('audit', 'report', '--data-dir', dir, '--org', 'northwind', '--case', pended, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const fromCli = pdfText(readFileSync(out));
    const stable = (t: string) => t.replace(/Generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'Generated');
    assert.match(fromCli, /Cases, outcomes and operator decisions/);
    // The console opens the operator's sealed decision with the payer's keys; the CLI, a reviewer
    // with the run's folder and no keys, sees that it was decided, by whom and why, not what.
    assert.match(fromConsole, new RegExp(`approved \\(titer-documented\\) by ${of('northwind').operators[0]!.name}`), "the operator's decision, by name");
    assert.match(
      fromCli,
      new RegExp(`decided \\(titer-documented\\) by ${of('northwind').operators[0]!.name}`),
      'the decision is named, its outcome stays sealed',
    );
    assert.doesNotMatch(fromCli, /\bAPPROVED\b|approved \(/, 'no sealed outcome in the keyless report');
    assert.match(fromCli, /page 1 of \d+/);
    assert.match(fromCli, /role credential "/, 'each read names the credential it rested on');
    const sealed = (t: string) =>
      stable(t)
        .replace(/\bapproved \(/g, 'decided (')
        .replace(/\bAPPROVED\b/g, 'DECIDED');
    assert.equal(stable(fromCli), sealed(fromConsole), 'one report, whether the console or the CLI writes it, but for what is sealed');
    // A period report, and bad input named with exit 2.
    const period = await murmur('audit', 'report', '--data-dir', dir, '--from', '2000-01-01', '--out', join(dir, 'period.pdf'));
    assert.equal(period.status, 0, period.stderr);
    assert.match(pdfText(readFileSync(join(dir, 'period.pdf'))), /cases opened from 2000-01-01/);
    const bad = await murmur('audit', 'report', '--data-dir', dir, '--case', 'case-nope');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no case case-nope/);
  });

  it('streams board entries as server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${of('northwind').url}api/events?token=${of('northwind').token}`, { signal: controller.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    await env.coalition.payer.agents[0]!.publishCard();
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('event: record') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    assert.match(text, /event: record\ndata: \{"index":\d+/);
  });
});
