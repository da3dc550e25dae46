export { RunDockerProxy, type RunDockerProxyOptions } from './run-docker-proxy.js';
export {
  RUN_LABEL,
  PolicyDenied,
  classify,
  stripVersion,
  scopedFilters,
  imageKey,
  checkBuildQuery,
  checkContainerCreate,
  checkExecCreate,
  checkVolumeCreate,
  type Route,
  type RunScope,
  type OwnershipLookup,
} from './policy.js';
