import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BAD_CONFIGS, generatedCases, loadBadCases, mapLimit, startCounters, type BadCase, type Counters } from '../helpers/bad-input.js';
import { runCli, type CliResult } from '../helpers/cli.js';

/**
 * The corpus in test/fixtures/bad-configs: every broken config and command line must exit 2 with one
 * message that says where (path, and `file:LINE:` for files), print nothing on stdout, and leave the
 * world alone: no probe, no provider call, no notification, no state file, no zone file, no command run.
 */

interface Outcome {
  c: BadCase;
  r: CliResult;
  stateWritten: boolean;
}

describe('bad input: refused with exit 2, one message, no side effects', () => {
  let counters: Counters;
  let dir: string;
  let zoneFile: string;
  let execMarker: string;
  let cases: BadCase[];
  const outcomes = new Map<string, Outcome>();

  const baseEnv = () => ({ ZONE_FILE: zoneFile, API_URL: `http://127.0.0.1:${counters.apiPort}`, EXEC_MARKER: execMarker, TZ: 'UTC' });

  before(async () => {
    counters = await startCounters();
    dir = mkdtempSync(join(tmpdir(), 'dnsfail-bad-input-'));
    const fixtures = join(dir, 'fixtures');
    const generated = join(dir, 'generated');
    mkdirSync(generated);
    zoneFile = join(dir, 'zone', 'example.test.zone');
    mkdirSync(join(dir, 'zone'));
    execMarker = join(dir, 'exec-ran');
    cases = [...loadBadCases(fixtures, { probe: counters.probePort, api: counters.apiPort }), ...generatedCases(generated)];
    const runnable = cases.filter((c) => !c.todo);
    const results = await mapLimit(runnable, 4, async (c) => {
      const stateDir = join(dir, 'state', c.name.replace(/[^\w.-]/g, '_'));
      const statePath = join(stateDir, 'state.json');
      const hasConfigFlag = c.args.includes('-c') || c.args.includes('--config');
      const args = [...c.args, ...(c.config && !hasConfigFlag ? ['-c', c.config] : []), '--state', statePath];
      const r = await runCli(args, { env: { ...baseEnv(), ...c.env }, cwd: dir, timeoutMs: 20_000 });
      const stateWritten = existsSync(statePath) || existsSync(`${statePath}.lock`) || existsSync(stateDir);
      return { c, r, stateWritten };
    });
    for (const o of results) outcomes.set(o.c.name, o);
  });

  after(async () => {
    await counters.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 60 bad configs and 10 bad command lines', () => {
    assert.ok(cases.filter((c) => c.config && c.line !== undefined).length >= 60, `config cases: ${cases.length}`);
    assert.ok(cases.filter((c) => c.line === undefined).length >= 10);
  });

  it('every case: exit 2, one "error:" on stderr naming the place, nothing on stdout, no stack trace', () => {
    const failures: string[] = [];
    for (const { c, r } of outcomes.values()) {
      const reasons: string[] = [];
      const why = (text: string) => reasons.push(text);
      if (r.code !== 2) why('exit code is not 2');
      if (r.stdout !== '') why('stdout is not empty');
      if (/\n\s+at /.test(r.stderr) || /unexpected error/.test(r.stderr)) why('a stack trace or an unexpected error');
      if ((r.stderr.match(/error:/g) ?? []).length !== 1 || !r.stderr.startsWith('error: ')) why('not exactly one "error:" message');
      if (r.stderr.length > 4096) why(`stderr is ${r.stderr.length} characters (a value echoed whole?)`);
      if (!r.stderr.includes(c.message)) why(`the message lacks ${JSON.stringify(c.message)}`);
      if (c.absent && (r.stderr + r.stdout).includes(c.absent)) why(`the output shows the secret ${c.absent}`);
      if (c.line !== undefined && c.config) {
        // One line of the report carries all three: file:LINE:, the path, the message.
        const at = `${basename(c.config)}:${c.line}: `;
        if (!r.stderr.split('\n').some((l) => l.includes(at) && l.includes(c.path) && l.includes(c.message))) why(`no line with "${at}", ${c.path} and the message`);
        const listed = r.stderr.split('\n').filter((l) => l.includes(`${basename(c.config!)}:`)).length;
        if (listed !== c.problems) why(`${listed} problem(s) reported, expected ${c.problems}`);
      } else if (!r.stderr.includes(c.path)) {
        why(`the message does not name ${c.path}`);
      }
      if (reasons.length) {
        failures.push(`${c.name} (${c.args.join(' ')}): ${reasons.join('; ')}\n    exit ${r.code}; stderr: ${r.stderr.slice(0, 600)}${r.stdout ? `\n    stdout: ${r.stdout.slice(0, 300)}` : ''}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} case(s) failed:\n${failures.join('\n')}`);
  });

  it('makes no network request, writes no state, zone file or anything else, runs no command', () => {
    const written = [...outcomes.values()].filter((o) => o.stateWritten).map((o) => o.c.name);
    assert.deepEqual(written, [], 'state written');
    assert.deepEqual({ tcp: counters.tcp, udp: counters.udp, http: counters.http }, { tcp: 0, udp: 0, http: 0 });
    assert.equal(existsSync(zoneFile), false, 'the zone file was created');
    assert.equal(existsSync(execMarker), false, 'a command was run');
    const tried = outcomes.size;
    const exit2 = [...outcomes.values()].filter((o) => o.r.code === 2).length;
    const network = counters.tcp + counters.udp + counters.http;
    // Quoted in the README.
    console.log(`bad inputs tried: ${tried}, exit 2: ${exit2}, network requests: ${network}, state files written: ${written.length}`);
  });

  // Cases marked todo in cli-cases.json are known bugs outside src/config: they run here, as node:test todos.
  const todos = (JSON.parse(readFileSync(join(BAD_CONFIGS, 'cli-cases.json'), 'utf8')) as Array<{ name: string; todo?: string }>).filter((c) => c.todo);
  for (const todo of todos) {
    it(`(known bug) ${todo.name}: exit 2`, { todo: todo.todo! }, async () => {
      const c = cases.find((x) => x.name === todo.name)!;
      const statePath = join(dir, 'todo-state', 'state.json');
      const r = await runCli([...c.args, ...(c.config ? ['-c', c.config] : []), '--state', statePath], { env: baseEnv(), cwd: dir });
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}${r.stdout}`);
      assert.ok(r.stderr.includes(c.message), r.stderr);
    });
  }

  // The control: the same harness sees a run that does touch the world, so the zeros above mean something.
  it('control: the valid config used by the command-line cases does probe, call and write', async () => {
    const good = cases.find((c) => c.name === 'unknown command')!.config!;
    const statePath = join(dir, 'control', 'state.json');
    const r = await runCli(['check', '-c', good, '--state', statePath], { env: baseEnv(), cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(counters.tcp > 0, 'the tcp probe listener saw the check');
    assert.ok(counters.http > 0, 'the http listener saw the check or the notification');
    assert.ok(existsSync(statePath), 'state written');
    assert.ok(existsSync(zoneFile), 'zone file written');
  });
});
