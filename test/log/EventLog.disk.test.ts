import { eventLogCompliance } from '../suites/eventLogCompliance.js';
import { diskStores } from '../fixtures/stores.js';

eventLogCompliance(diskStores());
