import { MemoryFleetStore } from '../../lib/adapters/local/memory-fleet-store.ts';
import { describeFleetStoreContract } from './fleet-store.contract.ts';

describeFleetStoreContract('MemoryFleetStore', async () => ({ store: new MemoryFleetStore(), cleanup: async () => {} }));
