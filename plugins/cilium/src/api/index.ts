export * from './CiliumApi';
export * from './CiliumClient';
export { errorMessage, statusOf } from './errorMessage';
