export { NetworkTab } from './NetworkTab';
