export { errorHandlerFor, envelopeBody, toDockyardError, type Envelope } from './envelopes.js';
export { requireApiVersion } from './api-version.js';
