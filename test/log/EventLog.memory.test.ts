import { eventLogCompliance } from '../suites/eventLogCompliance.js';
import { memoryStores } from '../fixtures/stores.js';

eventLogCompliance(memoryStores());
