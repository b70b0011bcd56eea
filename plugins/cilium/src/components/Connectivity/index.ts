export { AllowedDependencies } from './AllowedDependencies';
export { CoverageSummary } from './CoverageSummary';
export { DriftList } from './DriftList';
