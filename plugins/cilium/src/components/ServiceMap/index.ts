export { ServiceMap } from './ServiceMap';
