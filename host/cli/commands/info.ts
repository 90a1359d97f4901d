// edgeml info: the device's HELLO/INFO in readable form.
import { Command } from 'commander';
import { CAPABILITY, NO_SLOT } from '../../../firmware/core/protocol/index';
import type { Info } from '../../../firmware/core/protocol/index';
import { addDeviceOptions, ConnectOptions, withDevice } from '../../device/connect';

const SLOT_STATES = ['EMPTY', 'PARTIAL', 'VERIFIED', 'ACTIVE', 'PREVIOUS', 'INVALID'];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function infoToJson(info: Info) {
  return {
    deviceId: info.deviceId, firmwareVersion: info.firmwareVersion, protocolVersion: info.protocolVersion, formatVersion: info.formatVersion,
    capabilities: Object.entries(CAPABILITY).filter(([, bit]) => info.capabilities & bit).map(([name]) => name),
    maxPayload: info.maxPayload, maxChunk: info.maxChunk, freeSlotSize: info.freeSlotSize,
    activeSlot: info.activeSlot === NO_SLOT ? null : info.activeSlot,
    slots: info.slots.map((s, i) => ({ slot: i, state: SLOT_STATES[s.state] ?? String(s.state), name: s.name, modelVersion: s.modelVersion, bytes: s.bytes, size: s.size, sha256: hex(s.sha256) })),
  };
}

export function registerInfo(program: Command): void {
  addDeviceOptions(program
    .command('info')
    .description("show a device's firmware, capabilities and model slots"))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  edgeml info --port /dev/ttyUSB0\n  edgeml info --device sim-001 --broker mqtt://127.0.0.1:1883')
    .action(async (opts: ConnectOptions & { json?: boolean }) => {
      await withDevice(opts, async (client) => {
        const j = infoToJson(client.lastInfo!);
        if (opts.json) { console.log(JSON.stringify(j, null, 2)); return; }
        const active = j.activeSlot === null ? undefined : j.slots[j.activeSlot];
        console.log(`${j.deviceId}: firmware ${j.firmwareVersion}, protocol v${j.protocolVersion}, package format v${j.formatVersion}`);
        console.log(`  model        ${active ? `"${active.name}" version ${active.modelVersion} (slot ${active.slot}, sha256 ${active.sha256.slice(0, 16)}…)` : 'none'}`);
        console.log(`  capabilities ${j.capabilities.join(', ')}`);
        console.log(`  limits       payload ${j.maxPayload} B, chunk ${j.maxChunk} B, free slot ${j.freeSlotSize.toLocaleString('en-US')} B`);
        for (const s of j.slots) {
          console.log(`  slot ${s.slot}       ${s.state.padEnd(9)}${s.state === 'EMPTY' ? '' : ` "${s.name}" v${s.modelVersion}, ${s.bytes}/${s.size} B`}`);
        }
      });
    });
}
