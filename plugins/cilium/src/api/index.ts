export * from './CiliumApi';
export * from './CiliumClient';
