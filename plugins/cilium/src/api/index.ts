export * from './CiliumApi';
export * from './CiliumClient';
export { errorMessage } from './errorMessage';
