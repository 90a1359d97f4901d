// Payload codecs and the topic tree of the MQTT fleet link (docs/mqtt-topics.md), shared by
// the device agent, the simulator and the host.
export * from './errors';
export { FLEET_LAYOUT, HASH_PREFIX_BYTES, hashPrefix, matchesPrefix } from './layout';
export * from './topics';
export * from './status';
export * from './offer';
export * from './chunk';
export * from './ota-state';
export * from './telemetry';
