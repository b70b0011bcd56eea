export { TrafficOverTime } from './TrafficOverTime';
export { ClusterTrafficOverTime } from './ClusterTrafficOverTime';
