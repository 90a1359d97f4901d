// The device's MQTT agent (docs/mqtt-topics.md): one broker session with the offline STATUS
// as its last will; the online STATUS on every connection, after every activation or
// rollback and as a heartbeat; telemetry batches; commands through per-client protocol
// servers; OTA downloads. Every incoming message is size-checked before it is parsed, and
// nothing a broker delivers can throw out of the session's callback.
import { CHUNK_HEADER_BYTES, TOPIC, deviceTopics, encodeStatus, isClientId } from '../../core/fleet/index';
import type { DeviceTopics } from '../../core/fleet/index';
import { DEFAULT_MAX_PAYLOAD, maxWireLength } from '../../core/protocol/index';
import type { MqttSession, Network } from '../../platform/network';
import type { TimerHandle } from '../../platform/interfaces';
import type { Device } from '../device/device';
import { deviceInfo } from '../device/info';
import type { InfoLimits } from '../device/info';
import type { ProtocolServerOptions } from '../device/protocol-server';
import { CommandClients } from './commands';
import { OtaDownloader } from './ota';
import type { AgentSettings } from './settings';
import { TelemetryBatcher } from './telemetry';

export interface MqttAgentOptions {
  /** Options of the command clients' protocol servers (read-only keys, SIMULATOR); maxPayload follows maxMessage. */
  readonly server?: ProtocolServerOptions;
}

export class MqttAgent {
  readonly device: Device;
  readonly settings: AgentSettings;
  readonly topics: DeviceTopics;
  readonly #network: Network;
  readonly #options: MqttAgentOptions;
  /** `<prefix>/<id>/cmd/`: a topic that starts with it names the host client after it. */
  readonly #cmdPrefix: string;
  #session: MqttSession | undefined;
  #limits: InfoLimits | undefined;
  #commands: CommandClients | undefined;
  #ota: OtaDownloader | undefined;
  #telemetry: TelemetryBatcher | undefined;
  #heartbeat: TimerHandle | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(device: Device, network: Network, settings: AgentSettings, options: MqttAgentOptions = {}) {
    this.device = device;
    this.settings = settings;
    this.topics = deviceTopics(settings.prefix, device.platform.device.id);
    this.#network = network;
    this.#options = options;
    this.#cmdPrefix = `${this.topics.base}/${TOPIC.CMD}/`;
  }

  get session(): MqttSession | undefined { return this.#session; }

  /** Opens the broker session (the network reconnects on its own until stop()). Never throws. */
  start(): void {
    if (this.#session) return;
    const platform = this.device.platform;
    const s = this.settings;
    let session: MqttSession;
    try {
      session = this.#network.open({
        clientId: s.clientId,
        will: { topic: this.topics.status, payload: encodeStatus({ online: false, uptimeSeconds: this.#uptime() }), retain: true },
        keepAliveSeconds: s.keepAliveSeconds,
      });
    } catch (err) {
      // A broker setting the network cannot use: the device runs on without its fleet link.
      platform.system.log(`edgeml: mqtt: not started: ${String(err)}`);
      return;
    }
    this.#session = session;
    const maxPayload = largestPayload(session.maxMessage);
    const maxChunk = Math.min(4096, maxPayload - 4);
    this.#limits = { maxPayload, maxChunk, simulator: this.#options.server?.simulator === true };
    this.#commands = new CommandClients(this.device, { ...this.#options.server, maxPayload, maxChunk }, (client, bytes) => {
      session.publish(this.topics.rsp(client), bytes);
    });
    this.#ota = new OtaDownloader(this.device, s, {
      publishState: (payload) => { session.publish(this.topics.otaState, payload, { retain: true }); },
      requestChunk: (payload) => { session.publish(this.topics.chunkRequest, payload); },
    }, session.maxMessage - CHUNK_HEADER_BYTES);
    this.#telemetry = new TelemetryBatcher(this.device, s, (payload) => session.publish(this.topics.telemetry, payload));
    this.#unsubscribe = this.device.onModelChange(() => this.publishStatus());
    session.onConnect(() => this.#guard('connect', () => this.#connected()));
    session.onMessage((topic, payload) => this.#guard(topic, () => this.#message(topic, payload)));
    session.onDisconnect((reason) => { platform.system.log(`edgeml: mqtt: disconnected (${reason})`); });
    this.#telemetry.start();
    this.#heartbeat = platform.clock.setInterval(() => this.#guard('heartbeat', () => this.publishStatus()), s.statusSeconds * 1000);
  }

  /** Publishes the offline STATUS, then disconnects (no will). */
  stop(): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    if (this.#heartbeat) this.device.platform.clock.clear(this.#heartbeat);
    if (this.#unsubscribe) this.#unsubscribe();
    this.#telemetry?.stop();
    this.#ota?.stop();
    this.#commands?.stop();
    session.publish(this.topics.status, encodeStatus({ online: false, uptimeSeconds: this.#uptime() }), { retain: true });
    session.close();
  }

  /** The online STATUS (retained), with INFO as HELLO would answer now. */
  publishStatus(): void {
    const session = this.#session;
    if (!session || !session.connected || !this.#limits) return;
    const info = deviceInfo(this.device, this.#limits);
    session.publish(this.topics.status, encodeStatus({ online: true, uptimeSeconds: this.#uptime(), info }), { retain: true });
  }

  #connected(): void {
    const session = this.#session!;
    const t = this.topics;
    // A download goes on only under an offer: one withdrawn while the link was down is never
    // heard of, so wait for the retained offer again (the slot keeps the held prefix).
    this.#ota!.stop();
    session.subscribe(t.offer);
    session.subscribe(t.chunk);
    session.subscribe(t.cmdFilter);
    this.publishStatus();
  }

  #message(topic: string, payload: Uint8Array): void {
    const session = this.#session;
    if (!session || payload.length > session.maxMessage) return;
    const t = this.topics;
    if (topic === t.chunk) this.#ota!.onChunk(payload);
    else if (topic === t.offer) this.#ota!.onOffer(payload);
    else if (topic.startsWith(this.#cmdPrefix)) {
      const client = topic.slice(this.#cmdPrefix.length);
      if (isClientId(client)) this.#commands!.receive(client, payload);
    }
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.device.platform.system.log(`edgeml: mqtt: ${what}: ${String(err)}`);
    }
  }

  #uptime(): number {
    const s = Math.floor(this.device.platform.clock.now() / 1000);
    return s > 0 ? Math.min(s, 0xffffffff) : 0;
  }
}

/** The largest frame payload whose wire encoding fits one message of `maxMessage` bytes. */
function largestPayload(maxMessage: number): number {
  let n = Math.min(DEFAULT_MAX_PAYLOAD, maxMessage);
  while (n > 0 && maxWireLength(n) > maxMessage) n--;
  if (n < 64) throw new RangeError(`maxMessage ${maxMessage} leaves no room for a request`);
  return n;
}
