// `npm run models`: writes the reference models to models/ (the bundled copies the showcase
// and the Moddable build use; models/model.edgm is the one the device image carries).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { referenceModels } from './reference-models';

export const MODELS_DIR = fileURLToPath(new URL('../models/', import.meta.url));
export const DEVICE_MODEL = 'rf-10x8';

export function modelPath(name: string): string {
  return `${MODELS_DIR}${name}.edgm`;
}

export async function writeReferenceModels(): Promise<string[]> {
  mkdirSync(MODELS_DIR, { recursive: true });
  const written: string[] = [];
  for (const model of await referenceModels()) {
    writeFileSync(modelPath(model.name), model.bytes);
    written.push(modelPath(model.name));
    if (model.name === DEVICE_MODEL) writeFileSync(modelPath('model'), model.bytes);
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of await writeReferenceModels()) console.log(`wrote ${path}`);
}
