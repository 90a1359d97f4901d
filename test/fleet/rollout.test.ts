// The fleet on the embedded broker, end to end with five (twenty under EDGEML_FULL) simulated
// devices running the real firmware: fleet ls, telemetry, a staged rollout through the CLI, a rollout of a package that
// fails its self-test (stops after the canary, nobody changes model), and an update that
// survives the broker restarting and a device restarting in the middle of the transfer, and a
// rollout stopped with Ctrl-C; a rollout in three stages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChunkRequest, decodeStatus, fleetFilter, parseTopic, TOPIC } from '../../firmware/core/fleet/index';
import { NO_SLOT } from '../../firmware/core/protocol/index';
import { startBroker } from '../../host/broker/broker';
import { connectBroker } from '../../host/fleet/connect';
import { deploy } from '../../host/fleet/deploy';
import { preparePackage } from '../../host/fleet/package';
import { watchTelemetry, TelemetryEvent } from '../../host/fleet/telemetry';
import { edgemlAsync } from '../support/cli';
import { startCli } from '../support/spawn-cli';
import { failingSelfTestPackage, featurePackage, largeFeaturePackage } from './packages';
import { jsonLines, Rig, startRig, waitForVersions } from './rig';

const FULL = !!process.env.EDGEML_FULL;
const N = FULL ? 20 : 5;
/** The canary of a 10% rollout: ceil(0.1 N), at least one. */
const CANARY = Math.max(1, Math.ceil(N / 10));

describe(`a fleet of ${N} on the embedded broker`, () => {
  let rig: Rig;
  beforeAll(async () => { rig = await startRig({ count: N }); });
  afterAll(async () => { await rig?.close(); });

  it('fleet ls shows every device online with its firmware and model; telemetry brings results and statistics from each', async () => {
    const ls = await edgemlAsync(['fleet', 'ls', '--json', ...rig.cliArgs]);
    expect(ls.stderr).toBe('');
    expect(ls.code).toBe(0);
    const listed = JSON.parse(ls.stdout) as { id: string; online: boolean; firmwareVersion: string; model: { name: string; version: number } }[];
    expect(listed.map((d) => d.id)).toEqual(rig.fleet.devices.map((d) => d.id));
    for (const d of listed) expect(d).toMatchObject({ online: true, firmwareVersion: expect.any(String), model: { name: 'vibration-v1', version: 1 } });

    const seen = new Map<string, Set<string>>();
    let watch: { stop(): Promise<void> } | undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`telemetry after 15 s: ${JSON.stringify([...seen].map(([id, s]) => [id, [...s]]))}`)), 15_000);
      const onEvent = (e: TelemetryEvent) => {
        if (e.type === 'malformed') return reject(new Error(`malformed telemetry from ${e.deviceId}: ${e.reason}`));
        if (e.type === 'result') expect(e.result.classIndex).toBeGreaterThanOrEqual(0);
        const kinds = seen.get(e.deviceId) ?? new Set<string>();
        seen.set(e.deviceId, kinds.add(e.type));
        if (rig.fleet.devices.every((d) => seen.get(d.id)?.has('result') && seen.get(d.id)?.has('stats'))) { clearTimeout(timer); resolve(); }
      };
      watchTelemetry(rig.client, 'edgeml', onEvent).then((w) => { watch = w; }, reject);
    }).finally(() => watch?.stop());
  });

  it(`a staged rollout with a 10% canary updates all ${N}; fleet ls shows the new version`, async () => {
    const file = rig.file('v2.edgm', featurePackage({ version: 2, signer: rig.keys.signer }));
    const r = await edgemlAsync(['deploy', file, '--devices', 'all', '--canary', '10%', '--json', '--timeout', '30', ...rig.cliArgs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.filter((e) => e.type === 'stage').map((e) => (e.devices as string[]).length)).toEqual([CANARY, N - CANARY]);
    const outcomes = events.filter((e) => e.type === 'device');
    expect(outcomes).toHaveLength(N);
    for (const o of outcomes) expect(o).toMatchObject({ outcome: 'activated', code: 'OK', verified: true, model: { version: 2 } });
    expect(events.at(-1)).toMatchObject({ type: 'summary', failed: [], skipped: [], stoppedAfterStage: null });
    const devices = await waitForVersions(rig, 2);
    expect(devices.map((d) => [d.id, d.online, d.model?.name])).toEqual(rig.fleet.devices.map((d) => [d.id, true, 'vibration-v2']));
  });

  it('a package that fails its self-test stops the rollout after the canary and every device keeps its model', async () => {
    const before = await rig.devices();
    const file = rig.file('v3-bad.edgm', failingSelfTestPackage(3, rig.keys.signer));
    const r = await edgemlAsync(['deploy', file, '--devices', 'all', '--canary', '10%', '--max-failures', '0', '--json', '--timeout', '30', ...rig.cliArgs]);
    expect(r.code).toBe(1);
    const canary = rig.fleet.devices.slice(0, CANARY).map((d) => d.id);
    expect(r.stderr).toBe(`edgeml: the rollout stopped after stage 1; ${N - CANARY} device(s) not offered the update; ${CANARY} device(s) failed: ${canary.map((id) => `${id} (SELFTEST_FAILED)`).join(', ')}; they keep their previous model\n`);
    const events = jsonLines(r.stdout);
    expect(events.filter((e) => e.type === 'stage')).toHaveLength(1);
    const outcomes = events.filter((e) => e.type === 'device');
    expect(outcomes.map((o) => o.deviceId).sort()).toEqual(canary);
    for (const o of outcomes) expect(o).toMatchObject({ outcome: 'failed', code: 'SELFTEST_FAILED', verified: true, model: { version: 2 } });
    expect(events.find((e) => e.type === 'stopped')).toMatchObject({ afterStage: 1, failures: CANARY, maxFailures: 0 });
    expect(events.at(-1)).toMatchObject({ type: 'summary', updated: [], skipped: rig.fleet.devices.slice(CANARY).map((d) => d.id) });
    const after = await rig.devices();
    expect(after.map((d) => [d.id, d.online, d.model])).toEqual(before.map((d) => [d.id, true, d.model]));
    expect(after.every((d) => d.model?.version === 2)).toBe(true);
  });
  it('an older version is refused; with --force and the signing key it is taken (a signed downgrade)', async () => {
    const v1 = rig.file('v1.edgm', featurePackage({ version: 1, signer: rig.keys.signer }));
    const refused = await edgemlAsync(['deploy', v1, '--devices', 'sim-0', '--json', '--timeout', '30', ...rig.cliArgs]);
    expect(refused.code).toBe(1);
    expect(jsonLines(refused.stdout).find((e) => e.type === 'device')).toMatchObject({ outcome: 'refused', code: 'OLDER_VERSION', verified: true, model: { version: 2 } });
    const key = rig.file('fleet.key', new TextEncoder().encode(rig.privateKeyPem));
    const forced = await edgemlAsync(['deploy', v1, '--devices', 'sim-0', '--force', '--signing-key', key, '--json', '--timeout', '30', ...rig.cliArgs]);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(jsonLines(forced.stdout).find((e) => e.type === 'device')).toMatchObject({ outcome: 'activated', verified: true, model: { version: 1 } });
  });

  it('fleet watch prints telemetry as JSON lines and leaves cleanly on Ctrl-C', async () => {
    const watch = startCli(['fleet', 'watch', '--json', '--devices', 'sim-1', ...rig.cliArgs]);
    try {
      await watch.waitFor(/"type":"result"/, 15_000);
      expect(await watch.stop('SIGINT')).toBe(0);
      const events = jsonLines(watch.stdout());
      expect(new Set(events.map((e) => e.device))).toEqual(new Set(['sim-1']));
      expect(events.find((e) => e.type === 'result')).toMatchObject({ device: 'sim-1', class: expect.any(Number), label: expect.any(String) });
    } finally {
      await watch.stop('SIGKILL');
    }
  });

  it('refuses a file that is not a package (exit 3) and a FORCE without its key (exit 2) before publishing anything', async () => {
    const notPackage = await edgemlAsync(['deploy', rig.file('notes.txt', new TextEncoder().encode('hello')), '--devices', 'all', ...rig.cliArgs]);
    expect(notPackage.code).toBe(3);
    expect(notPackage.stderr).toMatch(/^edgeml: not a valid model package \(/);
    const force = await edgemlAsync(['deploy', 'any.edgm', '--devices', 'all', '--force', ...rig.cliArgs]);
    expect(force.code).toBe(2);
    expect(force.stderr).toBe('edgeml: --force and --signing-key go together: the FORCE flag is signed\n');
  });

  it('three stages (--stages 20%,60%): each stage waits for the one before, and all end on v3', async () => {
    const file = rig.file('v3.edgm', featurePackage({ version: 3, signer: rig.keys.signer }));
    const r = await edgemlAsync(['deploy', file, '--devices', 'all', '--stages', '20%,60%', '--json', '--timeout', '30', ...rig.cliArgs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    const first = Math.max(1, Math.ceil(0.2 * N));
    const second = Math.ceil(0.6 * N);
    const stages = events.filter((e) => e.type === 'stage').map((e) => e.devices as string[]);
    expect(stages.map((d) => d.length)).toEqual([first, second - first, N - second]);
    // A stage starts only when every device of the previous one has its outcome.
    for (let k = 1; k < stages.length; k++) {
      const start = events.findIndex((e) => e.type === 'stage' && e.stage === k + 1);
      const before = new Set(events.slice(0, start).filter((e) => e.type === 'device').map((e) => e.deviceId));
      for (const id of stages[k - 1]) expect(before.has(id), `${id} done before stage ${k + 1}`).toBe(true);
    }
    expect(events.at(-1)).toMatchObject({ type: 'summary', failed: [], stoppedAfterStage: null });
    expect((await waitForVersions(rig, 3)).map((d) => d.model?.version)).toEqual(Array(N).fill(3));
  });
});

describe('interrupted updates on two devices: broker restart, device restart, Ctrl-C', () => {
  let rig: Rig;
  // Small chunks: the 32 KB transfer takes long enough to be interrupted twice.
  beforeAll(async () => { rig = await startRig({ count: 2, config: { 'ota.chunk': 256, 'ota.retryMs': 500 } }); });
  afterAll(async () => { await rig?.close(); });

  it('resumes from what each device holds, activates once, and no device is ever without a model', async () => {
    const pkg = preparePackage(largeFeaturePackage({ version: 4, bytes: 32 * 1024, signer: rig.keys.signer }));
    const port = rig.broker!.port;
    // A second observer: statuses (a model at every step) and chunk requests (where each device resumes).
    const spy = await connectBroker({ ...rig.settings, clientId: 'spy' });
    const statuses: { id: string; online: boolean; hasModel: boolean }[] = [];
    const requests: { id: string; offset: number; at: number }[] = [];
    spy.on('message', (topic, payload) => {
      const t = parseTopic('edgeml', topic);
      if (!t || payload.length === 0) return;
      if (t.kind === TOPIC.STATUS) {
        const s = decodeStatus(payload);
        statuses.push({ id: t.deviceId, online: s.online, hasModel: s.info !== undefined && s.info.activeSlot !== NO_SLOT });
      } else if (t.kind === TOPIC.CHUNK_REQUEST) {
        requests.push({ id: t.deviceId, offset: decodeChunkRequest(payload).offset, at: Date.now() });
      }
    });
    await spy.subscribeAsync([fleetFilter('edgeml', TOPIC.STATUS), fleetFilter('edgeml', TOPIC.CHUNK_REQUEST)]);

    let brokerRestarted: Promise<void> | undefined;
    let brokerBackAt = 0;
    let deviceRebootedAt = 0;
    const progress = (id: string, percent: number) => {
      if (id === 'sim-0' && percent >= 20 && !brokerRestarted) {
        brokerRestarted = (async () => {
          await rig.broker!.close();
          await new Promise((r) => setTimeout(r, 800));
          rig.broker = await startBroker({ port });
          brokerBackAt = Date.now();
        })();
      }
      if (id === 'sim-1' && percent >= 60 && brokerRestarted && deviceRebootedAt === 0) {
        deviceRebootedAt = Date.now();
        void rig.fleet.devices[1].reboot();
      }
    };
    const summary = await deploy(rig.client, 'edgeml', pkg, {
      devices: 'all', timeoutMs: 30_000,
      onEvent: (e) => { if (e.type === 'progress') progress(e.deviceId, e.percent); },
    });
    await brokerRestarted;
    expect(deviceRebootedAt, 'the device was restarted mid-transfer').toBeGreaterThan(0);
    expect(summary.outcomes.map((o) => [o.deviceId, o.outcome, o.verified])).toEqual([['sim-0', 'activated', true], ['sim-1', 'activated', true]]);

    // The transfer went on through the new broker, from where it was (sim-0 held at least 20%).
    const afterRestart = requests.filter((r) => r.id === 'sim-0' && r.at > brokerBackAt);
    expect(afterRestart.length).toBeGreaterThan(0);
    expect(afterRestart[0].offset).toBeGreaterThanOrEqual(pkg.size / 5 - 256);
    // The restarted device asked for the bytes after those its slot held on flash, not from the start.
    const resumedAt = requests.find((r) => r.id === 'sim-1' && r.at > deviceRebootedAt);
    expect(resumedAt?.offset).toBeGreaterThan(0);
    // Activated once: the package runs and the previous slot still holds v1 (a second activation would have replaced it).
    for (const id of ['sim-0', 'sim-1']) {
      const info = await edgemlAsync(['info', '--device', id, '--json', ...rig.cliArgs]);
      expect(info.code, info.stderr).toBe(0);
      const slots = (JSON.parse(info.stdout) as { slots: { state: string; modelVersion: number }[] }).slots;
      expect(slots.map((s) => [s.state, s.modelVersion]).sort()).toEqual([['ACTIVE', 4], ['PREVIOUS', 1]]);
    }
    expect(statuses.filter((s) => s.online).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s.online && !s.hasModel)).toEqual([]);
    await spy.endAsync(true);
  });

  it('Ctrl-C in the middle of a rollout: exit 130, offers withdrawn, every device on its model', async () => {
    const file = rig.file('v5.edgm', largeFeaturePackage({ version: 5, bytes: 32 * 1024, signer: rig.keys.signer }));
    const run = startCli(['deploy', file, '--devices', 'all', '--json', ...rig.cliArgs]);
    try {
      await run.waitFor(/"type":"progress"/, 20_000);
      expect(await run.stop('SIGINT')).toBe(130);
      expect(run.stderr()).toMatch(/^edgeml: interrupted during stage 1: offers withdrawn/);
    } finally {
      await run.stop('SIGKILL');
    }
    const offers: string[] = [];
    const spy = await connectBroker({ ...rig.settings, clientId: 'offers' });
    spy.on('message', (topic, payload) => { if (payload.length > 0) offers.push(topic); });
    await spy.subscribeAsync(fleetFilter('edgeml', TOPIC.OFFER));
    await new Promise((r) => setTimeout(r, 300));
    await spy.endAsync(true);
    expect(offers, 'no retained offer is left').toEqual([]);
    const devices = await waitForVersions(rig, 4);
    expect(devices.map((d) => [d.id, d.online, d.model?.version])).toEqual([['sim-0', true, 4], ['sim-1', true, 4]]);
  });
});
