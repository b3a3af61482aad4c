export { buildOnce } from './build-once';
export { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM } from './chromium';
export * from './ground-truth';
export { runScenario, SCENARIO_START, type ScenarioOptions, type ScenarioSubject } from './scenario';
export { seededRandom } from './seeded-random';
export { type SyntheticHeatmap, syntheticHeatmap } from './synthetic-heatmap';
