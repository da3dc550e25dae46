import { defineSeedA } from './seed-a-flow.js';

// Seed walkthrough A with port-per-registry login servers (127.0.0.1:<port>, plain http).
defineSeedA({ title: 'seed A: task with a system-assigned identity pushes to two registries', server: {} });
