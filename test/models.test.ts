// The bundled models (models/*.edgm, the copies the showcase and the device image use) must be
// exactly what the reference-model generator makes with the current format: after a format
// change, `npm run models` regenerates them.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReferenceModel, referenceModels } from '../tools/reference-models';
import { DEVICE_MODEL, modelPath } from '../tools/write-reference-models';

describe('bundled reference models', () => {
  let models: ReferenceModel[];
  beforeAll(async () => { models = await referenceModels(); }, 120_000);

  it('are current (run npm run models after a format change)', () => {
    expect(models.map((m) => m.name)).toEqual(['rf-10x8', 'gbdt-100x10', 'cnn-digits', 'cnn-accel1d', 'cnn-keras-mnist']);
    for (const model of models) {
      expect(Buffer.from(readFileSync(modelPath(model.name))).equals(Buffer.from(model.bytes)), model.name).toBe(true);
    }
  });

  it('models/model.edgm (the device image\'s model) is the device model', () => {
    const device = models.find((m) => m.name === DEVICE_MODEL)!;
    expect(Buffer.from(readFileSync(modelPath('model'))).equals(Buffer.from(device.bytes))).toBe(true);
  });
});
