export { CiliumCard } from './CiliumCard';
