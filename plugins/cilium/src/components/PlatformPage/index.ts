export { CiliumPage } from './CiliumPage';
