/**
 * Realistic traffic for demos and benchmarks: a simulated distribution — thousands of accounts, a
 * few of them doing most of the work, packages with owners, groups — whose build system, update
 * system, source control, package database, account system and mirror manager publish what the real
 * ones would, under their schemas and correlated (a package's commit is built, tagged and shipped in
 * an update, in that order). `new Simulator({ seed })` makes the messages; `runSimulation` paces
 * them into a sink (the bus, or JSON Lines on stdout).
 */
export { Simulator, DEFAULT_START, STORIES } from './simulator.js';
export type { SimulatedMessage, SimulatorOptions } from './simulator.js';
export { SIMULATED_APPS, APP_NAMES, parseAppList } from './apps.js';
export type { SimulatedApp } from './apps.js';
export type { AppName } from './story.js';
export { runSimulation, DEFAULT_WINDOW } from './run.js';
export type { RunOptions, RunSummary, Progress, SimulationSink } from './run.js';
export { TokenBucket } from './token-bucket.js';
