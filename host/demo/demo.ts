// The end-to-end demo: train a vibration classifier on synthetic machines with the device's own
// feature pipeline, sign it, flash it to a simulated device through its serial port, and watch
// the device classify a machine whose condition changes while it runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../../firmware/core/protocol/index';
import { loadModel } from '../../firmware/core/model';
import { DeviceClient } from '../device/client';
import { connect } from '../device/connect';
import { InProcessTransport } from '../device/transport';
import { socatAvailable } from '../../sim/device/pty';
import { flashModel } from '../device/flash';
import { createSigner, generateSigningKeys, rawPublicKey } from '../package/signing';
import { encodeFeatureConfig, featureConfig, featureInputQuantization } from '../signals/encode';
import { extractFeatures } from '../signals/features';
import { SCENARIOS, Scenario, vibrationDataset } from '../signals/synthetic';
import { exportTrees } from '../train/export-trees';
import { RandomForestClassifier } from '../train/trees/forest';
import { SimulatedDevice } from '../../sim/device/simulated-device';

export interface DemoOptions {
  /** Seconds the live machine spends in each condition. */
  secondsPerScenario?: number;
  say?: (line: string) => void;
}

export interface DemoResult { accuracy: number; counted: number; flashSeconds: number; trainAccuracy: number }

const CONFIG = featureConfig({
  windowLength: 256, hop: 128, channels: 3, sampleRateHz: 1000,
  features: ['rms', 'p2p', 'zc', 'bands'], bandsHz: [[5, 15], [15, 40], [40, 80], [80, 250], [250, 450]],
});
/** Results whose window may still hold the previous condition are not scored. */
const SETTLE_MS = 600;

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const say = options.say ?? ((line: string) => console.log(line));
  const seconds = options.secondsPerScenario ?? 4;
  say('edgeml demo: train a vibration classifier, flash it to a simulated device over its serial port,');
  say('and watch the device classify a machine whose condition changes while it runs.\n');

  // 1-3: data, features, training, export.
  const data = vibrationDataset({ seed: 11, machines: 4, windowsPerScenario: 24 });
  const table = extractFeatures(CONFIG, data.windows);
  say(`1. data      ${data.windows.length} windows of 256 samples x 3 axes at 1 kHz from 4 simulated machines in 4 conditions: ${SCENARIOS.join(', ')}`);
  say(`2. features  the device's own fixed-point pipeline: ${table.names.length} features per window (RMS, peak-to-peak, zero crossings, FFT band energies)`);
  const test = data.machines.map((m) => m === 3);
  const X = table.rows.map((r) => Array.from(r));
  const train = X.filter((_, i) => !test[i]);
  const forest = RandomForestClassifier.fit(train, data.labels.filter((_, i) => !test[i]), { trees: 20, maxDepth: 8, seed: 1 });
  const keys = generateSigningKeys();
  const exported = exportTrees(forest, {
    name: 'vibration-demo', labels: [...SCENARIOS], quantization: featureInputQuantization(CONFIG), trainingRows: train,
    features: encodeFeatureConfig(CONFIG), signer: createSigner(keys.privateKeyPem),
  });
  const model = loadModel(exported.bytes);
  const held = X.map((x, i) => ({ x, y: data.labels[i] })).filter((_, i) => test[i]);
  const trainAccuracy = held.filter(({ x, y }) => { model.input.set(x); return model.predict() === y; }).length / held.length;
  say(`3. train     random forest, 20 trees: ${(100 * trainAccuracy).toFixed(1)}% on a machine it never saw (the device engine); ${exported.bytes.length.toLocaleString('en-US')} B package, signed (ECDSA P-256)`);

  // 4-5: a simulated device on a pseudo-terminal, flashed like a board.
  const dir = mkdtempSync(join(tmpdir(), 'edgeml-demo-'));
  const device = await SimulatedDevice.start({ id: 'sim-demo', dir, trustedKey: rawPublicKey(keys.publicKeyPem), sensor: { seed: 99, scenario: 'normal' } });
  try {
    let client: DeviceClient;
    if (socatAvailable()) {
      const pty = await device.openPty();
      device.startRealTime(5);
      say(`4. device    simulated device sim-demo: the real firmware in the XS engine with its C kernels, serial port ${pty.path}`);
      client = await connect({ port: pty.path });
    } else {
      device.startRealTime(5);
      say('4. device    simulated device sim-demo: the real firmware in the XS engine with its C kernels (socat is not installed, so the');
      say('             serial line is in-process instead of a pseudo-terminal: apt-get install socat)');
      client = new DeviceClient(new InProcessTransport(device.serial), { timeoutMs: 1000, retries: 3 });
      await client.hello();
    }
    try {
      const flashed = await flashModel(client, exported.bytes);
      say(`5. flash     ${flashed.size.toLocaleString('en-US')} B in ${flashed.seconds.toFixed(2)} s over the serial port, ${flashed.wirePerPayloadByte.toFixed(3)} wire bytes per byte, ` +
        `verified sha256 ${flashed.verifiedSha256.slice(0, 16)}…; running "${flashed.activated?.name}" v${flashed.activated?.modelVersion}`);

      // 6-7: live classification while the machine changes condition.
      say(`6. live      the machine spends ${seconds} s in each condition; the device classifies every 128 ms:`);
      let scenario: Scenario = 'normal';
      let since = Date.now();
      let counted = 0;
      let correct = 0;
      let line: string[] = [];
      client.on('result', (r: Result) => {
        const label = SCENARIOS[r.classIndex] ?? String(r.classIndex);
        if (Date.now() - since >= SETTLE_MS) {
          counted++;
          if (label === scenario) correct++;
        }
        line.push(label === scenario ? label.slice(0, 3) : label.slice(0, 3).toUpperCase());
      });
      await client.stream(true);
      for (const next of SCENARIOS) {
        scenario = next;
        since = Date.now();
        device.setScenario(next);
        line = [];
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        say(`   ${next.padEnd(13)} device says: ${line.join(' ')}`);
      }
      await client.stream(false);
      const accuracy = counted ? correct / counted : 0;
      say(`7. result    ${(100 * accuracy).toFixed(1)}% of ${counted} live windows classified as the condition the machine was in`);
      say('             (windows straddling a change are not scored; UPPER CASE marks a disagreement)');
      return { accuracy, counted, flashSeconds: flashed.seconds, trainAccuracy };
    } finally {
      await client.close();
    }
  } finally {
    await device.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
