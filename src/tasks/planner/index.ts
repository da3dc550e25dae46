export {
  planTask,
  stepEnv,
  ROOT_ID,
  DEFAULT_NETWORK,
  type Plan,
  type PlannedStep,
  type PlanResult,
  type PlanOptions,
} from './plan.js';
