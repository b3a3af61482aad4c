export { buildOnce } from './build-once';
export * from './ground-truth';
export { runScenario, SCENARIO_START, type ScenarioOptions, type ScenarioSubject } from './scenario';
export { seededRandom } from './seeded-random';
