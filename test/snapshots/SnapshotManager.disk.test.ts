import { snapshotCompliance } from '../suites/snapshotCompliance.js';
import { diskStores } from '../fixtures/stores.js';

snapshotCompliance(diskStores(), 'disk');
