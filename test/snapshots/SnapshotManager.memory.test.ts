import { snapshotCompliance } from '../suites/snapshotCompliance.js';
import { memoryStores } from '../fixtures/stores.js';

snapshotCompliance(memoryStores(), 'memory');
