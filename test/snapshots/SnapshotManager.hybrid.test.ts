import { snapshotCompliance } from '../suites/snapshotCompliance.js';
import { memoryStores } from '../fixtures/stores.js';

// Hybrid over memory-level: the LevelDB code path plus the record cache, without disk I/O.
snapshotCompliance(memoryStores(), 'hybrid');
