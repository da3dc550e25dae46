export { startAgent, type AgentOptions, type RunningAgent } from './agent.js';
export { AgentClient, RunClient, AgentHttpError, type Lease } from './agent-client.js';
