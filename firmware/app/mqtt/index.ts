// The device's MQTT fleet link (docs/mqtt-topics.md).
export { MqttAgent } from './agent';
export type { MqttAgentOptions } from './agent';
export { agentSettings, brokerConfigured } from './settings';
export type { AgentSettings } from './settings';
